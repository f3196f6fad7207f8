import type { ChannelAdapter } from '@omni/channel-sdk';
import { Channel, create, OutboundApprovedSchema } from '@omni/contracts';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from '@omni/gateway-kit';
import { ConfigError, loadConfig } from '@omni/service-kit';
import { gatewaySms, SmsGatewayConfig } from './gateway-sms';

const BASE = {
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'token',
  TWILIO_PUBLIC_BASE_URL: 'https://omni.example.com',
};
const SERVICE_SID = `MG${'9f8e7d6c5b4a3928'.repeat(2)}`;

function load(env: Record<string, string>): SmsGatewayConfig {
  return loadConfig(SmsGatewayConfig, { ...BASE, ...env }, { PORT: 3104 } as never);
}

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...new Set(err.problems.map((p) => p.variable))];
    throw err;
  }
  return [];
}

/** What the gateway hands gateway-kit: its adapter and options. */
function wiring(config: SmsGatewayConfig): { adapter: ChannelAdapter; options: GatewayOptions } {
  const gateway = gatewaySms.module(config) as unknown as { providers: Array<{ provide: unknown; useValue: unknown }> };
  const value = (token: unknown) => gateway.providers.find((p) => p.provide === token)!.useValue;
  return { adapter: value(CHANNEL_ADAPTER) as ChannelAdapter, options: value(GATEWAY_OPTIONS) as GatewayOptions };
}

const approved = (accountId: string) =>
  create(OutboundApprovedSchema, { id: 'out-1', request: { id: 'req-1', channel: Channel.SMS, accountId, recipient: { channelUserId: '+14155550123' }, content: { text: 'hi' } } });

describe('gateway-sms configuration', () => {
  it('needs only the account, token and public URL; the sender options and retry base are optional', () => {
    const config = load({});
    expect(config.TWILIO_API_BASE_URL).toBe('https://api.twilio.com');
    expect([config.TWILIO_MESSAGING_SERVICE_SID, config.TWILIO_FROM_NUMBER, config.GATEWAY_RETRY_BASE_MS]).toEqual([undefined, undefined, undefined]);
    expect(wiring(config).options).toEqual({ apiBaseUrl: 'https://api.twilio.com', publicBaseUrl: 'https://omni.example.com', retryBaseMs: undefined });
  });

  it('validates TWILIO_MESSAGING_SERVICE_SID, TWILIO_FROM_NUMBER and GATEWAY_RETRY_BASE_MS', () => {
    expect(problems({ TWILIO_MESSAGING_SERVICE_SID: 'MG123' })).toEqual(['TWILIO_MESSAGING_SERVICE_SID']);
    expect(problems({ TWILIO_FROM_NUMBER: '4155550100' })).toEqual(['TWILIO_FROM_NUMBER']);
    expect(problems({ TWILIO_FROM_NUMBER: '123456' })).toEqual(['TWILIO_FROM_NUMBER']); // digits only: not a sender id
    expect(problems({ GATEWAY_RETRY_BASE_MS: '0' })).toEqual(['GATEWAY_RETRY_BASE_MS']);
    expect(problems({ GATEWAY_RETRY_BASE_MS: 'fast' })).toEqual(['GATEWAY_RETRY_BASE_MS']);
    expect(problems({ TWILIO_MESSAGING_SERVICE_SID: SERVICE_SID, TWILIO_FROM_NUMBER: '+14155550199', GATEWAY_RETRY_BASE_MS: '25' })).toEqual([]);
    expect(problems({ TWILIO_FROM_NUMBER: 'Acme Shop' })).toEqual([]);
  });

  it('sends From the conversation number by default, TWILIO_FROM_NUMBER when the outbound names none', () => {
    const { adapter } = wiring(load({ TWILIO_FROM_NUMBER: '+14155550199' }));
    expect(adapter.format(approved('+14155550100'))[0]!.form).toContainEqual(['From', '+14155550100']);
    expect(adapter.format(approved(''))[0]!.form).toContainEqual(['From', '+14155550199']);
  });

  it('sends through the Messaging Service when one is configured', () => {
    const { adapter, options } = wiring(load({ TWILIO_MESSAGING_SERVICE_SID: SERVICE_SID, GATEWAY_RETRY_BASE_MS: '25' }));
    expect(adapter.format(approved('+14155550100'))[0]!.form).toEqual([
      ['To', '+14155550123'],
      ['MessagingServiceSid', SERVICE_SID],
      ['Body', 'hi'],
      ['StatusCallback', 'https://omni.example.com/webhooks/twilio/status'],
    ]);
    expect(options.retryBaseMs).toBe(25);
  });
});
