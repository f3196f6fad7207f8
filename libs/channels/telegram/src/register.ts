import type { ProviderRequest, RegistrationContext } from '@omni/channel-sdk';
import { MODELLED_UPDATES } from './update';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

/**
 * `setWebhook` at start-up: the public webhook URL, the secret Telegram must send back in
 * `X-Telegram-Bot-Api-Secret-Token`, and the update kinds Omni models. Idempotent (the same call
 * replaces the same settings). Without a public base URL the bot is left as configured.
 */
export function telegramRegistration(context: RegistrationContext, webhookSecret: string): ProviderRequest[] {
  if (!context.publicBaseUrl) return [];
  return [
    {
      method: 'POST',
      path: '/setWebhook',
      json: { url: `${context.publicBaseUrl.replace(/\/+$/, '')}${TELEGRAM_WEBHOOK_PATH}`, secret_token: webhookSecret, allowed_updates: [...MODELLED_UPDATES] },
      purpose: 'setWebhook',
    },
  ];
}
