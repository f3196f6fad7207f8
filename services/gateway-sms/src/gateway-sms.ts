import { IsNotEmpty, IsString, IsUrl, Matches } from 'class-validator';
import { createSmsAdapter } from '@omni/channel-sms';
import { GATEWAY_DATABASE, GatewayModule } from '@omni/gateway-kit';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';

export class SmsGatewayConfig extends BaseServiceConfig {
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'must be a Twilio Account SID (AC + 32 hex digits)' }) TWILIO_ACCOUNT_SID!: string;
  @IsString() @IsNotEmpty() TWILIO_AUTH_TOKEN!: string;
  /** The public URL Twilio calls (and signs), e.g. https://omni.example.com; matters behind a proxy. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWILIO_PUBLIC_BASE_URL!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWILIO_API_BASE_URL = 'https://api.twilio.com';
}

export const gatewaySms: ServiceDefinition<SmsGatewayConfig> = {
  name: 'gateway-sms',
  description: 'Twilio Programmable Messaging webhooks and status callbacks in, SMS/MMS out.',
  configClass: SmsGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(
      createSmsAdapter({ accountSid: c.TWILIO_ACCOUNT_SID, authToken: c.TWILIO_AUTH_TOKEN, publicBaseUrl: c.TWILIO_PUBLIC_BASE_URL }),
      { apiBaseUrl: c.TWILIO_API_BASE_URL, publicBaseUrl: c.TWILIO_PUBLIC_BASE_URL },
    ),
  database: () => GATEWAY_DATABASE,
};
