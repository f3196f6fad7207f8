import { Transform } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { BaseServiceConfig } from '@omni/service-kit';

export class NormalizerConfig extends BaseServiceConfig {
  /** A message this long after resolution reopens the conversation (default 24 h). */
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  CONVERSATION_REOPEN_WINDOW_MS = 24 * 60 * 60 * 1000;
}
