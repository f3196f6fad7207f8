import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { STRATEGIES } from '../domain/matching';

export class UpsertQueueDto {
  @ApiProperty({ enum: STRATEGIES })
  @IsIn(STRATEGIES)
  strategy!: string;

  @ApiPropertyOptional({ type: [String], description: 'Teams that serve the queue (empty: every agent)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { each: true, message: 'each team must be 1-64 of A-Z a-z 0-9 . _ -' })
  teams?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 3600, description: 'Seconds an agent has to accept an offer; 0 = assign directly without an offer' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  offerTimeoutSeconds?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'First-response target in seconds (0 = none; unset = ASSIGNMENT_FIRST_RESPONSE_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604_800)
  firstResponseSeconds?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Next-response target in seconds (0 = none; unset = ASSIGNMENT_NEXT_RESPONSE_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604_800)
  nextResponseSeconds?: number;

  @ApiPropertyOptional({ description: 'Queue a still-queued conversation moves to when it breaches its SLA' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'must be 1-128 of A-Z a-z 0-9 . _ : -' })
  overflowQueue?: string;

  @ApiPropertyOptional({ description: 'Send a CSAT survey (1-5) when a conversation of this queue is resolved' })
  @IsOptional()
  @IsBoolean()
  csat?: boolean;
}

export class QueuedView {
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty() position!: number;
  @ApiProperty() priority!: number;
  @ApiProperty() escalated!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) replyDeadline!: string | null;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty() channel!: number;
}

export class QueueView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STRATEGIES }) strategy!: string;
  @ApiProperty({ type: [String] }) teams!: string[];
  @ApiProperty() offerTimeoutSeconds!: number;
  @ApiProperty({ nullable: true, type: Number }) firstResponseSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) nextResponseSeconds!: number | null;
  @ApiProperty({ nullable: true, type: String }) overflowQueue!: string | null;
  @ApiProperty() csat!: boolean;
  @ApiProperty({ type: [QueuedView], description: 'Waiting conversations in the order they will be served' }) waiting!: QueuedView[];
}
