import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNumber, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CHANNEL_SLUGS } from '@omni/contracts';
import { MAX_DOCUMENT_BYTES } from '../routing/loader';

export class DocumentDto {
  @ApiProperty({ description: 'The routing document, as YAML text (see docs/routing.md and docs/routing.schema.json).', example: 'version: 1\ndefault_queue: general\nqueues:\n  general: {}\nrules: []\n' })
  @IsString()
  @Length(1, MAX_DOCUMENT_BYTES)
  document!: string;
}

export class EntryPointDto {
  @ApiPropertyOptional({ enum: ['deep_link', 'ad', 'welcome_message', 'post', 'other'] })
  @IsOptional()
  @IsIn(['deep_link', 'ad', 'welcome_message', 'post', 'other'])
  source?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) ref?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) adId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) welcomeMessageId?: string;
}

/** A sample conversation to preview a document on. */
export class PreviewMessageDto {
  @ApiProperty({ enum: CHANNEL_SLUGS })
  @IsIn(CHANNEL_SLUGS as readonly string[])
  channel!: string;

  @ApiProperty({ example: 'Où est ma commande ?', maxLength: 2000 })
  @IsString()
  @MaxLength(2000)
  text!: string;

  @ApiPropertyOptional({ example: 'fr' })
  @IsOptional()
  @Matches(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag' })
  language?: string;

  @ApiPropertyOptional({ type: EntryPointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntryPointDto)
  entryPoint?: EntryPointDto;

  @ApiPropertyOptional({ description: 'Contact profile by snake_case field (tier, lifetime_value, open_orders…)', example: { tier: 'vip' } })
  @IsOptional()
  @IsObject()
  contact?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'When the customer writes (default: now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;

  @ApiPropertyOptional({ description: 'Days since the contact was last routed (omit: never)' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(3650)
  lastContactDaysAgo?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  lastCsat?: number;

  @ApiPropertyOptional({ description: 'Bot answers already collected', example: { topic: 'invoice' } })
  @IsOptional()
  @IsObject()
  botAnswers?: Record<string, string>;
}

export class PreviewDto {
  @ApiPropertyOptional({ description: 'A draft document (YAML); the active one when omitted.' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_DOCUMENT_BYTES)
  document?: string;

  @ApiProperty({ type: PreviewMessageDto })
  @ValidateNested()
  @Type(() => PreviewMessageDto)
  message!: PreviewMessageDto;
}

export class ReplayDto extends DocumentDto {
  @ApiProperty({ example: '2026-11-30T00:00:00Z' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ example: '2026-12-01T00:00:00Z' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 10, description: 'How many changed conversations to show' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  examples?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 20000, description: 'Most decisions to replay' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20000)
  limit?: number;
}

export class VersionParams {
  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version!: number;
}

export class ValidationView {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ description: 'Every error with its path and YAML line/column', example: [{ field: 'rules[0].then.queue', line: 12, column: 14, message: 'queue "vipp" is not defined under queues' }] })
  errors!: Array<{ field: string; line: number; column: number; message: string }>;
}
