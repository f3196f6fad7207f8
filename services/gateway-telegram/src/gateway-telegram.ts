import { IsOptional, IsUrl, Matches } from 'class-validator';
import { createTelegramAdapter } from '@omni/channel-telegram';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';

export class TelegramGatewayConfig extends GatewayServiceConfig {
  /** `<bot id>:<secret>` from @BotFather: authenticates every Bot API call; the bot id is the account. */
  @Matches(/^\d{1,20}:[A-Za-z0-9_-]{20,}$/, { message: 'must be a bot token from @BotFather (<bot id>:<secret>)' })
  TELEGRAM_BOT_TOKEN!: string;

  /** The `secret_token` Telegram sends back in X-Telegram-Bot-Api-Secret-Token on every webhook. */
  @Matches(/^[A-Za-z0-9_-]{1,256}$/, { message: 'must be 1-256 characters of A-Z a-z 0-9 _ -' })
  TELEGRAM_WEBHOOK_SECRET!: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TELEGRAM_API_BASE_URL = 'https://api.telegram.org';

  /**
   * The public HTTPS URL Telegram calls (scheme and host, e.g. https://omni.example.com). When set,
   * the gateway registers `<url>/webhooks/telegram` with setWebhook at start-up (in the
   * background, retried); when unset, the webhook is left as registered by hand.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  TELEGRAM_PUBLIC_BASE_URL?: string;
}

export const gatewayTelegram: ServiceDefinition<TelegramGatewayConfig> = {
  name: 'gateway-telegram',
  description: 'Telegram Bot API webhooks in, Bot API calls out; registers its webhook at start-up.',
  configClass: TelegramGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(createTelegramAdapter({ botToken: c.TELEGRAM_BOT_TOKEN, webhookSecret: c.TELEGRAM_WEBHOOK_SECRET }), {
      apiBaseUrl: c.TELEGRAM_API_BASE_URL,
      publicBaseUrl: c.TELEGRAM_PUBLIC_BASE_URL,
      retryBaseMs: c.GATEWAY_RETRY_BASE_MS,
    }),
  database: () => GATEWAY_DATABASE,
};
