import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { createWhatsAppAdapter } from '@omni/channel-whatsapp';
import { GATEWAY_DATABASE, GatewayModule } from '@omni/gateway-kit';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';

export class WhatsAppGatewayConfig extends BaseServiceConfig {
  @IsString() @IsNotEmpty() META_APP_SECRET!: string;
  @IsString() @IsNotEmpty() META_VERIFY_TOKEN!: string;
  @IsString() @IsNotEmpty() WHATSAPP_ACCESS_TOKEN!: string;
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
