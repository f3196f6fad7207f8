import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

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
}
