import { IsString, Matches } from 'class-validator';
import { BaseServiceConfig } from '@omni/service-kit';

export class RouterConfig extends BaseServiceConfig {
  /** Queue for conversations no rule claims. */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be a lower-case queue name' })
  ROUTER_DEFAULT_QUEUE = 'default';

  /** Comma-separated CRM tiers whose conversations get a higher priority. */
  @Matches(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, { message: 'must be a comma-separated list of tiers' })
  ROUTER_VIP_TIERS = 'vip';
}
