import { IsOptional, IsString, Matches } from 'class-validator';
import { BaseServiceConfig } from '@omni/service-kit';

export class RouterConfig extends BaseServiceConfig {
  /** Queue of the built-in routing document (used when no document file is given and none was activated). */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be a lower-case queue name' })
  ROUTER_DEFAULT_QUEUE = 'default';

  /** Comma-separated CRM tiers the built-in document prioritises. */
  @Matches(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, { message: 'must be a comma-separated list of tiers' })
  ROUTER_VIP_TIERS = 'vip';

  /** A routing document (YAML) activated at start-up unless it already is the active version. */
  @IsOptional()
  @IsString()
  ROUTER_DOCUMENT_FILE?: string;
}
