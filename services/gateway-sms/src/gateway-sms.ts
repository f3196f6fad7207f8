import { IsNotEmpty, IsOptional, IsString, IsUrl, Matches } from 'class-validator';
import { createSmsAdapter } from '@omni/channel-sms';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';

export class SmsGatewayConfig extends GatewayServiceConfig {
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'must be a Twilio Account SID (AC + 32 hex digits)' }) TWILIO_ACCOUNT_SID!: string;
  @IsString() @IsNotEmpty() TWILIO_AUTH_TOKEN!: string;
  /** The public URL Twilio calls (and signs), e.g. https://omni.example.com; matters behind a proxy. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWILIO_PUBLIC_BASE_URL!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWILIO_API_BASE_URL = 'https://api.twilio.com';

  /**
   * Send through this Messaging Service (sender pool, sticky sender, Advanced Opt-Out): every send
   * carries `MessagingServiceSid` instead of `From`.
   */
  @IsOptional()
  @Matches(/^MG[0-9a-fA-F]{32}$/, { message: 'must be a Twilio Messaging Service SID (MG + 32 hex digits)' })
  TWILIO_MESSAGING_SERVICE_SID?: string;

  /**
   * Sender for outbounds that name no business number (`account_id` empty) when no Messaging
   * Service is configured: an E.164 number or an alphanumeric sender id (1-11 characters, with a letter).
   */
  @IsOptional()
  @Matches(/^(\+[1-9]\d{1,14}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$/, { message: 'must be an E.164 number (+14155550100) or an alphanumeric sender id' })
  TWILIO_FROM_NUMBER?: string;

  /** SharedKey secret, when a Twilio Webhooks Rule signs this gateway's webhooks with a SharedKey (HMAC-SHA1 or -SHA256). */
  @IsOptional() @IsString() TWILIO_WEBHOOK_SHARED_KEY_SECRET?: string;
}

export const gatewaySms: ServiceDefinition<SmsGatewayConfig> = {
  name: 'gateway-sms',
  description: 'Twilio Programmable Messaging webhooks and status callbacks in, SMS/MMS out.',
  configClass: SmsGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(
      createSmsAdapter({
        accountSid: c.TWILIO_ACCOUNT_SID,
        authToken: c.TWILIO_AUTH_TOKEN,
        publicBaseUrl: c.TWILIO_PUBLIC_BASE_URL,
        messagingServiceSid: c.TWILIO_MESSAGING_SERVICE_SID,
        fromNumber: c.TWILIO_FROM_NUMBER,
        webhookSharedKeySecret: c.TWILIO_WEBHOOK_SHARED_KEY_SECRET || undefined,
      }),
      { apiBaseUrl: c.TWILIO_API_BASE_URL, publicBaseUrl: c.TWILIO_PUBLIC_BASE_URL, retryBaseMs: c.GATEWAY_RETRY_BASE_MS },
    ),
  database: () => GATEWAY_DATABASE,
};
