import type { ChannelAdapter } from '@omni/channel-sdk';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from '@omni/gateway-kit';
import { ConfigError, devSecrets, loadConfig } from '@omni/service-kit';
import { gatewayTelegram, TelegramGatewayConfig } from './gateway-telegram';

const BASE = { TELEGRAM_BOT_TOKEN: '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', TELEGRAM_WEBHOOK_SECRET: 'omni-secret_1' };

function load(env: Record<string, string>): TelegramGatewayConfig {
  return loadConfig(TelegramGatewayConfig, { ...BASE, ...env }, { PORT: 3105 } as never);
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

function wiring(config: TelegramGatewayConfig): { adapter: ChannelAdapter; options: GatewayOptions } {
  const gateway = gatewayTelegram.module(config) as unknown as { providers: Array<{ provide: unknown; useValue: unknown }> };
  const value = (token: unknown) => gateway.providers.find((p) => p.provide === token)!.useValue;
  return { adapter: value(CHANNEL_ADAPTER) as ChannelAdapter, options: value(GATEWAY_OPTIONS) as GatewayOptions };
}

describe('gateway-telegram configuration', () => {
  it('needs the bot token and the webhook secret; the API base defaults to Telegram, the public URL is optional', () => {
    const config = load({});
    expect(config.TELEGRAM_API_BASE_URL).toBe('https://api.telegram.org');
    expect(wiring(config).options).toEqual({ apiBaseUrl: 'https://api.telegram.org', publicBaseUrl: undefined, retryBaseMs: undefined });
    expect(wiring(config).adapter.register!({ publicBaseUrl: undefined })).toEqual([]);
  });

  it('registers the webhook at the public URL when one is set', () => {
    const { adapter, options } = wiring(load({ TELEGRAM_PUBLIC_BASE_URL: 'https://omni.example.com' }));
    expect(adapter.register!({ publicBaseUrl: options.publicBaseUrl })[0]).toMatchObject({ path: '/setWebhook', json: { url: 'https://omni.example.com/webhooks/telegram', secret_token: 'omni-secret_1' } });
  });

  it.each([
    ['a token without the bot id', { TELEGRAM_BOT_TOKEN: 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' }, 'TELEGRAM_BOT_TOKEN'],
    ['a secret Telegram would refuse', { TELEGRAM_WEBHOOK_SECRET: 'has spaces' }, 'TELEGRAM_WEBHOOK_SECRET'],
    ['a public URL that is not http(s)', { TELEGRAM_PUBLIC_BASE_URL: 'ftp://omni.example.com' }, 'TELEGRAM_PUBLIC_BASE_URL'],
  ])('refuses %s', (_name, env, variable) => {
    expect(problems(env)).toEqual([variable]);
  });

  it("starts with npm start's development placeholders", () => {
    const dev = devSecrets();
    expect(problems({ TELEGRAM_BOT_TOKEN: dev.TELEGRAM_BOT_TOKEN!, TELEGRAM_WEBHOOK_SECRET: dev.TELEGRAM_WEBHOOK_SECRET! })).toEqual([]);
  });
});
