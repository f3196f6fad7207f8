import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';

export class ResolveConversationDto {
  @ApiPropertyOptional({ example: 'solved', maxLength: 200, description: 'Free-form disposition code chosen by the agent or the bot ("solved", "spam"…)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  resolution?: string;
}

export class ResolutionView {
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ enum: ['resolved'] }) state!: 'resolved';
  @ApiProperty({ nullable: true, type: String, description: 'The agent who held it; null when it was resolved while still queued' }) agentId!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolution!: string | null;
  @ApiProperty({ format: 'date-time' }) resolvedAt!: string;
  @ApiProperty({ description: 'Milliseconds from assignment to resolution (0 when never assigned)' }) handleMs!: number;
  @ApiProperty({ description: 'True when an earlier call had already resolved it: nothing changed and nothing was published' }) alreadyResolved!: boolean;
  @ApiProperty({ enum: ['sent', 'not_sent', 'none'], description: 'CSAT survey outcome for this resolution (queues with csat only)' }) csat!: 'sent' | 'not_sent' | 'none';
}

export class QuickReplyDto {
  @ApiProperty({ maxLength: 20 }) @IsString() @Length(1, 20) title!: string;
  @ApiProperty({ maxLength: 200 }) @IsString() @Length(1, 200) payload!: string;
}

export class ReplyDto {
  @ApiProperty({ maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  text!: string;

  @ApiPropertyOptional({ type: [QuickReplyDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(13)
  @ValidateNested({ each: true })
  @Type(() => QuickReplyDto)
  quickReplies?: QuickReplyDto[];
}

export class ReplyView {
  @ApiProperty({ format: 'uuid', description: 'The outbound request id; window-policy’s verdict on it appears on the stream' }) outboundId!: string;
}

export class NoteDto {
  @ApiProperty({ maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  text!: string;
}

export class TransferDto {
  @ApiPropertyOptional({ description: 'Move to this agent (they need room); exactly one of agentId and queue' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:@-]{1,128}$/, { message: 'must be an agent id' })
  agentId?: string;

  @ApiPropertyOptional({ description: 'Move back to this queue' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'must be a queue name' })
  queue?: string;
}

export class NoteView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() authorId!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ConversationView {
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ enum: ['queued', 'offered', 'assigned', 'resolved', 'parked'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) agentId!: string | null;
  @ApiProperty() queue!: string;
  @ApiProperty() priority!: number;
  @ApiProperty() escalated!: boolean;
  @ApiProperty() channel!: number;
  @ApiProperty() contactId!: string;
  @ApiProperty({ description: 'What a pre-qualification bot collected (question → answer)' }) handoffContext!: Record<string, string>;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) offerExpiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) replyDeadline!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) firstResponseDue!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextResponseDue!: string | null;
  @ApiProperty({ format: 'date-time' }) routedAt!: string;
}

export class ConversationDetailView extends ConversationView {
  @ApiProperty({ type: [NoteView] }) notes!: NoteView[];
  @ApiProperty({ nullable: true, type: Object, description: 'Messages from the normalizer’s history API (null when it could not be reached)' }) history!: unknown;
}
