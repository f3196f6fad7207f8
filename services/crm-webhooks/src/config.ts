import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig, numberSetting } from '@omni/service-kit';

const HOUR_MS = 3_600_000;

export class CrmWebhooksConfig extends BaseServiceConfig {
  /** Delay before the first retry; each later one doubles (with jitter) up to the maximum. */
  @Transform(numberSetting)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_BASE_MS = 5_000;

  /** Ceiling of one retry delay. */
  @Transform(numberSetting)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_MAX_DELAY_MS = 2 * HOUR_MS;

  /**
   * How long a delivery keeps being retried from its first failure before it is dead-lettered (and
   * the subscription disabled when nothing succeeded meanwhile). At least 24 h, by contract.
   */
  @Transform(numberSetting)
  @IsInt()
  @Min(24 * HOUR_MS)
  @Max(30 * 24 * HOUR_MS)
  WEBHOOK_RETRY_WINDOW_MS = 24 * HOUR_MS;

  /** Per-attempt HTTP timeout. */
  @Transform(numberSetting)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** How often the dispatcher looks for due deliveries. */
  @Transform(numberSetting)
  @IsInt()
  @Min(10)
  WEBHOOK_POLL_MS = 500;

  /**
   * A delivery waits this long after its event arrived before it may be sent, so an earlier event
   * of the same conversation read from another topic (assigned vs resolved) can still take its place.
   */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  @Max(60_000)
  WEBHOOK_ORDER_SETTLE_MS = 1_000;

  /** Deliveries in flight at once per instance (across subscriptions and conversations). */
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(256)
  WEBHOOK_MAX_IN_FLIGHT = 32;

  /** Days events stay replayable. */
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(400)
  WEBHOOK_EVENT_RETENTION_DAYS = 30;

  /** Accept http:// endpoint URLs (development and tests); production requires https. */
  @Transform(({ value }) => value === true || value === 'true')
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP = false;
}
