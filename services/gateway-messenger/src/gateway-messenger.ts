import { IsNotEmpty, IsString, IsUrl } from 'class-validator';
import { createMessengerAdapter } from '@omni/channel-messenger';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';

export class MessengerGatewayConfig extends GatewayServiceConfig {
  /** Signs every webhook (X-Hub-Signature-256). */
  @IsString() @IsNotEmpty() META_APP_SECRET!: string;
  /** Echoed back in the GET handshake. */
  @IsString() @IsNotEmpty() META_VERIFY_TOKEN!: string;
  @IsString() @IsNotEmpty() MESSENGER_PAGE_ACCESS_TOKEN!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) META_GRAPH_API_BASE_URL = 'https://graph.facebook.com';
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
