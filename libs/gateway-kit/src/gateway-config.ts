import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { BaseServiceConfig, numberSetting } from '@omni/service-kit';

/** Settings every channel gateway reads besides its channel's own; gateway configs extend it. */
export class GatewayServiceConfig extends BaseServiceConfig {
  /**
   * First backoff delay (ms) between attempts of a provider request refused with a retryable
   * error (doubling, capped at 30 s; a longer retry-after from the provider wins). Unset: the
   * dispatcher's default (500 ms). Tests set it low so a retried send takes milliseconds.
   */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(60_000)
  GATEWAY_RETRY_BASE_MS?: number;
}
