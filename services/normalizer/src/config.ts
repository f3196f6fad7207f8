import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { BaseServiceConfig, numberSetting } from '@omni/service-kit';

export class NormalizerConfig extends BaseServiceConfig {
  /** A message at most this long after resolution reopens the conversation (default 24 h). */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  CONVERSATION_REOPEN_WINDOW_MS = 24 * 60 * 60 * 1000;

  /**
   * ISO 3166 country (e.g. "FR") for SMS numbers a provider gives the national way; unset, such
   * numbers get no phone identity (E.164 and 00-prefixed numbers are read regardless).
   */
  @IsOptional()
  @Transform(({ value }) => (value === '' ? undefined : String(value).toUpperCase()))
  @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166 alpha-2 country code' })
  PHONE_DEFAULT_COUNTRY?: string;
}
