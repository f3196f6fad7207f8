import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

export const CHANNEL_SLUGS = ['messenger', 'whatsapp', 'twitter', 'sms'] as const;

export class TemplateParameterDto {
  @ApiProperty({ enum: ['text', 'currency', 'date_time', 'image', 'video', 'document', 'payload', 'coupon_code'], example: 'text' })
  @IsIn(['text', 'currency', 'date_time', 'image', 'video', 'document', 'payload', 'coupon_code'])
  type!: string;

  @ApiProperty({ example: '#4521', maxLength: 1024 })
  @IsString()
  @Length(1, 1024)
  value!: string;
}

export class TemplateComponentDto {
  @ApiProperty({ enum: ['header', 'body', 'button'] })
  @IsIn(['header', 'body', 'button'])
  type!: string;

  @ApiPropertyOptional({ enum: ['quick_reply', 'url'] })
  @IsOptional()
  @IsIn(['quick_reply', 'url'])
  subType?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 9 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  index?: number;

  @ApiProperty({ type: [TemplateParameterDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TemplateParameterDto)
  parameters!: TemplateParameterDto[];
}

export class ChannelTemplateDto {
  @ApiProperty({ enum: CHANNEL_SLUGS, example: 'whatsapp' })
  @IsIn(CHANNEL_SLUGS)
  channel!: (typeof CHANNEL_SLUGS)[number];

  @ApiProperty({ example: 'delivery_update', description: 'Name in the template registry' })
  @IsString()
  @Length(1, 512)
  name!: string;

  @ApiProperty({ example: 'en_US' })
  @IsString()
  @Length(2, 10)
  language!: string;

  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptional()
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category?: string;

  @ApiProperty({ type: [TemplateComponentDto] })
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TemplateComponentDto)
  components!: TemplateComponentDto[];
}

export class NotificationContentDto {
  @ApiProperty({ example: 'Your order #4521 is out for delivery.', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  text!: string;
}

export class NotificationRequestDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Idempotency key: the same id is accepted once (409 afterwards)' })
  @IsOptional()
  @IsUUID()
  id?: string;

  @ApiProperty({ example: '7f0c1f7e-2b7a-4c1b-9a51-5e1fd1f1a001', description: 'Omni contact id (normalizer)' })
  @IsString()
  @Length(1, 100)
  contactId!: string;

  @ApiProperty({ enum: ['transactional', 'marketing'] })
  @IsIn(['transactional', 'marketing'])
  purpose!: 'transactional' | 'marketing';

  @ApiProperty({ type: NotificationContentDto })
  @ValidateNested()
  @Type(() => NotificationContentDto)
  content!: NotificationContentDto;

  @ApiPropertyOptional({ type: [ChannelTemplateDto], description: 'Templates to use where the free-form window is closed (WhatsApp)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ChannelTemplateDto)
  templates?: ChannelTemplateDto[];

  @ApiPropertyOptional({ enum: CHANNEL_SLUGS, isArray: true, description: 'Order to try; default: the contact’s preferred channel, then the others by recent activity' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(CHANNEL_SLUGS, { each: true })
  channels?: Array<(typeof CHANNEL_SLUGS)[number]>;
}

export class DecisionReasonView {
  @ApiProperty() rule!: string;
  @ApiProperty() detail!: string;
}

export class AlternativeView {
  @ApiProperty({ enum: ['use_tag', 'use_template', 'other_channel', 'wait_until', 'email_follow_up'] }) kind!: string;
  @ApiPropertyOptional() channel?: string;
  @ApiPropertyOptional() recipientId?: string;
  @ApiPropertyOptional() tag?: string;
  @ApiPropertyOptional() templateName?: string;
  @ApiPropertyOptional() templateLanguage?: string;
  @ApiProperty() detail!: string;
}

export class ChannelRefusalView {
  @ApiProperty({ enum: CHANNEL_SLUGS }) channel!: string;
  @ApiProperty({ example: 'OPTED_OUT' }) reason!: string;
  @ApiProperty() detail!: string;
  @ApiProperty({ type: [DecisionReasonView] }) reasons!: DecisionReasonView[];
  @ApiProperty({ type: [AlternativeView] }) alternatives!: AlternativeView[];
}

export class NotificationResultView {
  @ApiProperty({ format: 'uuid' }) notificationId!: string;
  @ApiProperty({ enum: ['approved', 'deferred', 'refused'] }) outcome!: 'approved' | 'deferred' | 'refused';
  @ApiPropertyOptional({ enum: CHANNEL_SLUGS, description: 'The channel chosen (approved or deferred)' }) channel?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Id of the outbound request sent to the gateway' }) outboundId?: string;
  @ApiPropertyOptional({ description: 'Template used, when the channel needed one' }) template?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Deferred until (quiet hours, pacing)' }) notBefore?: string;
  @ApiProperty({ type: [DecisionReasonView] }) reasons!: DecisionReasonView[];
  @ApiProperty({ type: [ChannelRefusalView], description: 'Channels tried before the chosen one, or all of them when refused' }) refusals!: ChannelRefusalView[];
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}
