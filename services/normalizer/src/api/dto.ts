import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CHANNEL_SLUGS } from '@omni/contracts';

/** Channel slugs a contact can have an identity on: every channel in the schema. */
export const CHANNELS = CHANNEL_SLUGS;
const EXTERNAL_ID = /^[A-Za-z0-9._:@/-]{1,128}$/;
const BCP47 = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export class ContactIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id!: string;
}

export class ConversationIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id!: string;
}

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (`nextCursor`).' })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc', description: 'Chronological (asc) or newest first (desc).' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class SearchContactsQuery {
  @ApiPropertyOptional({ enum: CHANNELS, description: 'With `id`: the identity on that channel (PSID, wa_id, X user id, SMS number).' })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: string;

  @ApiPropertyOptional({ example: '6543210987654321' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  id?: string;

  @ApiPropertyOptional({ example: '+33 6 12 34 56 78', description: 'A phone number in any format (E.164, 00-prefixed, national with `country`).' })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  phone?: string;

  @ApiPropertyOptional({ example: 'FR', description: 'Country for a national-format `phone`.' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166 alpha-2 code' })
  country?: string;

  @ApiPropertyOptional({ example: 'crm-42', description: 'The CRM customer id linked to the contact.' })
  @IsOptional()
  @Matches(EXTERNAL_ID, { message: 'customerId must be 1-128 letters, digits or ._:@/-' })
  customerId?: string;
}

export class IdentityDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: string;

  @ApiProperty({ example: '6543210987654321', description: 'The id on that channel, as the provider gives it.' })
  @IsString()
  @Length(1, 256)
  id!: string;
}

export class LinkCustomerDto {
  @ApiProperty({ example: 'crm-42', description: "The CRM's own customer id." })
  @Matches(EXTERNAL_ID, { message: 'customerId must be 1-128 letters, digits or ._:@/-' })
  customerId!: string;

  @ApiPropertyOptional({ type: [IdentityDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => IdentityDto)
  identities?: IdentityDto[];

  @ApiPropertyOptional({ type: [String], example: ['+33 6 12 34 56 78'], description: 'Phone numbers (any format): the customer on WhatsApp and SMS.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Length(3, 40, { each: true })
  phones?: string[];
}

export class MergeContactsDto {
  @ApiProperty({ format: 'uuid', description: 'The contact merged into the one in the path; it becomes a tombstone.' })
  @IsUUID('all')
  sourceContactId!: string;
}

export class MoneyDto {
  @ApiProperty({ example: 1234.5, minimum: 0 })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 4 })
  @Min(0)
  amount!: number;

  @ApiProperty({ example: 'EUR' })
  @IsISO4217CurrencyCode()
  currency!: string;
}

export class OrderDto {
  @ApiProperty({ example: 'order-4521' })
  @Matches(EXTERNAL_ID, { message: 'orderId must be 1-128 letters, digits or ._:@/-' })
  orderId!: string;

  @ApiPropertyOptional({ example: 'shipped' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  status?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  total?: MoneyDto;

  @ApiPropertyOptional({ example: '2026-01-10T12:00:00Z' })
  @IsOptional()
  @IsISO8601()
  placedAt?: string;
}

export class CartDto {
  @ApiProperty({ example: 3, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(10_000)
  items!: number;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  value?: MoneyDto;

  @ApiPropertyOptional({ example: '2026-01-10T12:00:00Z' })
  @IsOptional()
  @IsISO8601()
  updatedAt?: string;
}

/**
 * What a CRM tells Omni about a customer (PATCH: fields present are replaced, `null` removes one,
 * absent ones stay). `language` and `timezone` are the contact's own; channel profile data never
 * overwrites them.
 */
export class UpdateContactDto {
  @ApiPropertyOptional({ example: 'Ana Ruiz', nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string | null;

  @ApiPropertyOptional({ example: 'vip', nullable: true, description: 'Customer tier the router prioritises (e.g. standard, gold, vip).' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'tier must be 1-32 letters, digits, _ or -' })
  tier?: string | null;

  @ApiPropertyOptional({ type: MoneyDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  lifetimeValue?: MoneyDto | null;

  @ApiPropertyOptional({ type: [OrderDto], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderDto)
  openOrders?: OrderDto[] | null;

  @ApiPropertyOptional({ type: CartDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CartDto)
  cart?: CartDto | null;

  @ApiPropertyOptional({ enum: CHANNELS, nullable: true })
  @IsOptional()
  @IsIn(CHANNELS)
  preferredChannel?: string | null;

  @ApiPropertyOptional({ example: 'es-MX', nullable: true, description: 'BCP 47 language tag.' })
  @IsOptional()
  @Matches(BCP47, { message: 'language must be a BCP 47 tag such as "es" or "es-MX"' })
  language?: string | null;

  @ApiPropertyOptional({ example: 'Europe/Paris', nullable: true, description: 'IANA time zone.' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string | null;
}

export class EraseContactQuery {
  @ApiPropertyOptional({ example: 'crm:salesforce', description: 'Who asked, for the audit trail (operator id or "crm:<name>").' })
  @IsOptional()
  @Matches(EXTERNAL_ID, { message: 'requestedBy must be 1-128 letters, digits or ._:@/-' })
  requestedBy?: string;
}
