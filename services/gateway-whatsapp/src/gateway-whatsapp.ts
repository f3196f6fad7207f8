import { IsNotEmpty, IsString, IsUrl } from 'class-validator';
import { createWhatsAppAdapter } from '@omni/channel-whatsapp';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';

export class WhatsAppGatewayConfig extends GatewayServiceConfig {
  @IsString() @IsNotEmpty() META_APP_SECRET!: string;
  @IsString() @IsNotEmpty() META_VERIFY_TOKEN!: string;
  @IsString() @IsNotEmpty() WHATSAPP_ACCESS_TOKEN!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) META_GRAPH_API_BASE_URL = 'https://graph.facebook.com';
}

export const gatewayWhatsApp: ServiceDefinition<WhatsAppGatewayConfig> = {
  name: 'gateway-whatsapp',
  description: 'WhatsApp Business Cloud API webhooks in, messages out.',
  configClass: WhatsAppGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(
      createWhatsAppAdapter({ appSecret: c.META_APP_SECRET, verifyToken: c.META_VERIFY_TOKEN, accessToken: c.WHATSAPP_ACCESS_TOKEN }),
      { apiBaseUrl: c.META_GRAPH_API_BASE_URL, retryBaseMs: c.GATEWAY_RETRY_BASE_MS },
    ),
  database: () => GATEWAY_DATABASE,
};
