import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { BaseServiceConfig, numberSetting } from '@omni/service-kit';
import { STRATEGIES } from './domain/matching';

export class AssignmentConfig extends BaseServiceConfig {
  /** How often each replica sweeps: offer expiry, heartbeat misses, requeue after grace, SLA, queue drain. */
  @Transform(numberSetting)
  @IsInt()
  @Min(50)
  @Max(60_000)
  ASSIGNMENT_SWEEP_MS = 1_000;

  /** An online agent without a heartbeat for this long is set offline (reason heartbeat-missed); 0 = presence is not heartbeat-driven. */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  ASSIGNMENT_HEARTBEAT_TIMEOUT_MS = 60_000;

  /** An agent offline this long has their open conversations requeued. */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  ASSIGNMENT_REQUEUE_GRACE_MS = 120_000;

  /** Strategy of queues not configured through PUT /queues/:name. */
  @IsIn(STRATEGIES)
  ASSIGNMENT_DEFAULT_STRATEGY = 'least-busy';

  /** Weight of a conversation per channel slug, "sms=1,whatsapp=2" (unlisted channels weigh 1). */
  @IsString()
  @Matches(/^([a-z]+=[1-9]\d?)?(,[a-z]+=[1-9]\d?)*$/, { message: 'must be channel=weight pairs, e.g. sms=1,whatsapp=2 (weights 1-99)' })
  ASSIGNMENT_CHANNEL_WEIGHTS = '';

  /** Extra weight multiplier for a VIP conversation (router priority >= 10). */
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(10)
  ASSIGNMENT_VIP_WEIGHT = 1;

  /** Default first-response target of a queue (seconds) when neither the queue nor the router set one. */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  ASSIGNMENT_FIRST_RESPONSE_SECONDS = 300;

  /** Default next-response target of a queue (seconds): the customer wrote, the agent has not answered. */
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  ASSIGNMENT_NEXT_RESPONSE_SECONDS = 600;

  /** Fraction of an SLA target after which a warning goes out (0 disables warnings). */
  @Transform(numberSetting)
  @IsNumber()
  @Min(0)
  @Max(1)
  ASSIGNMENT_SLA_WARNING_RATIO = 0.8;

  /** The normalizer's API, for conversation history (the caller's token is forwarded). */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  NORMALIZER_URL = 'http://127.0.0.1:3201';
}
