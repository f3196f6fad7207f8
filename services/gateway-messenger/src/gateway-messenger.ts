import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { createMessengerAdapter } from '@omni/channel-messenger';
import { GATEWAY_DATABASE, GatewayModule } from '@omni/gateway-kit';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';

export class MessengerGatewayConfig extends BaseServiceConfig {
  /** Signs every webhook (X-Hub-Signature-256). */
  @IsString() @IsNotEmpty() META_APP_SECRET!: string;
  /** Echoed back in the GET handshake. */
  @IsString() @IsNotEmpty() META_VERIFY_TOKEN!: string;
  @IsString() @IsNotEmpty() MESSENGER_PAGE_ACCESS_TOKEN!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) META_GRAPH_API_BASE_URL = 'https://graph.facebook.com';
  /**
   * First backoff delay (ms) between attempts of a provider request the Graph API refused with a
   * retryable error (doubling, capped at 30 s; a longer Retry-After wins). Unset: the gateway
   * kit's default (500 ms). Tests set it low so a retried send takes milliseconds.
   */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt()
  @Min(1)
  @Max(60_000)
  GATEWAY_RETRY_BASE_MS?: number;
}

export const gatewayMessenger: ServiceDefinition<MessengerGatewayConfig> = {
  name: 'gateway-messenger',
  description: 'Facebook Messenger webhooks in, Send API out.',
  configClass: MessengerGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(
      createMessengerAdapter({ appSecret: c.META_APP_SECRET, verifyToken: c.META_VERIFY_TOKEN, pageAccessToken: c.MESSENGER_PAGE_ACCESS_TOKEN }),
      { apiBaseUrl: c.META_GRAPH_API_BASE_URL, retryBaseMs: c.GATEWAY_RETRY_BASE_MS },
    ),
  database: () => GATEWAY_DATABASE,
};
