import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { WEBHOOK_TOPICS } from '@omni/contracts';

export const EVENT_TYPES = WEBHOOK_TOPICS.map((t) => t.ceType);
/** Standard Webhooks secret: `whsec_` then 24–64 random bytes in base64 (the length is checked decoded). */
export const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){6,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class CreateSubscriptionDto {
  @ApiProperty({ example: 'https://crm.example.com/omni/webhooks', description: 'https (http only when WEBHOOK_ALLOW_HTTP is set)' })
  @IsString()
  @MaxLength(2_000)
  url!: string;

  @ApiProperty({ type: [String], enum: EVENT_TYPES, example: ['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true, message: `each event type must be one of ${EVENT_TYPES.join(', ')}` })
  eventTypes!: string[];

  @ApiPropertyOptional({ description: 'Standard Webhooks secret (whsec_ + base64 of 24–64 bytes); generated when absent and returned once' })
  @IsOptional()
  @Matches(SECRET_PATTERN, { message: 'must be whsec_ followed by the base64 of 24 to 64 bytes' })
  secret?: string;

  @ApiPropertyOptional({ example: 'Sales CRM, production' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  url?: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_TYPES })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true, message: `each event type must be one of ${EVENT_TYPES.join(', ')}` })
  eventTypes?: string[];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string | null;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], description: 'Re-enable a disabled subscription (then replay from your last cursor), or pause one' })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

export class ReplayDto {
  @ApiPropertyOptional({ description: 'Replay events after this cursor (the `sequence` of the last event you processed)', example: '1042' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'must be a sequence number (digits)' })
  fromCursor?: string;

  @ApiPropertyOptional({ description: 'Replay events that occurred at or after this time (RFC 3339)', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  fromTime?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10_000, default: 1_000, description: 'At most this many events per call; continue from `lastCursor` while `more`' })
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class RedeliverDto {
  @ApiPropertyOptional({ type: [String], description: 'Dead-lettered delivery ids; all of the subscription’s when absent' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1_000)
  @Matches(/^\d{1,18}$/, { each: true, message: 'each delivery id must be digits' })
  deliveryIds?: string[];
}

export class DeadLetterQuery {
  @ApiPropertyOptional({ description: 'Continue after this delivery id (the previous page’s nextCursor)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'must be digits' })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class SubscriptionView {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: '"retries-exhausted", "gone", or "paused" (set by PATCH)' }) disabledReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) disabledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastSuccessAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ description: 'Only in the creation response: keep it to verify signatures' }) secret?: string;
}

export class DeadLetterView {
  @ApiProperty() deliveryId!: string;
  @ApiProperty({ description: 'The event’s id (= webhook-id)' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ description: 'The event’s cursor' }) sequence!: string;
  @ApiProperty() orderingKey!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) firstAttemptAt!: string | null;
  @ApiProperty() deadAt!: string;
}

export class DeadLetterPage {
  @ApiProperty({ type: [DeadLetterView] }) items!: DeadLetterView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ReplayView {
  @ApiProperty() queued!: number;
  @ApiProperty({ nullable: true, type: String, description: 'The last sequence queued: continue from it while `more`' }) lastCursor!: string | null;
  @ApiProperty() more!: boolean;
}

export class RedeliverView {
  @ApiProperty() requeued!: number;
}

export class EventTypeView {
  @ApiProperty() type!: string;
  @ApiProperty() topic!: string;
  @ApiProperty() description!: string;
  @ApiProperty() dataschema!: string;
}
