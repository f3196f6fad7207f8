import { verifySecretHeader, type ChannelAdapter, type ChannelParser, type WebhookReply, type WebhookRequest } from '@omni/channel-sdk';
import { Channel } from '@omni/contracts';
import { telegramCapabilities } from './capabilities';
import { formatTelegramOutbound } from './format';
import { interpretTelegramResponse, telegramHttpRequest } from './http';
import { botIdOf } from './ids';
import { parseTelegramUpdate } from './parse';
import { TELEGRAM_WEBHOOK_PATH, telegramRegistration } from './register';
import { chatIdOf, readUpdate, userIdOf } from './update';

/** Telegram sends the `secret_token` given to setWebhook back in this header. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface TelegramAdapterOptions {
  /** `<bot id>:<secret>` from @BotFather: authenticates API calls; the bot id is the account. */
  botToken: string;
  /** The secret token given to setWebhook (1–256 of A–Z a–z 0–9 _ -). */
  webhookSecret: string;
}

/** The secret-free half, for the normalizer: the bot comes from the record's account id. */
export const telegramParser: ChannelParser = { channel: Channel.TELEGRAM, slug: 'telegram', parse: parseTelegramUpdate };

const OK: WebhookReply = { status: 200, contentType: 'text/plain', body: 'ok' };

/**
 * Once the update is durable: a pressed inline button is answered in the webhook reply itself
 * (the Bot API runs a method named in the response body), which stops the button's spinner at
 * once and costs no extra call.
 */
function acknowledgeUpdate(request: WebhookRequest): WebhookReply {
  const update = readUpdate(request.rawBody);
  const id = update.callback_query?.id;
  if (typeof id !== 'string' || id === '') return OK;
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ method: 'answerCallbackQuery', callback_query_id: id }) };
}

export function createTelegramAdapter(options: TelegramAdapterOptions): ChannelAdapter {
  const botId = botIdOf(options.botToken);
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(options.webhookSecret)) throw new Error('the Telegram webhook secret must be 1-256 of A-Z a-z 0-9 _ -');
  return {
    ...telegramParser,
    capabilities: telegramCapabilities,
    webhookPaths: [TELEGRAM_WEBHOOK_PATH],
    auth: { kind: 'header-secret', header: TELEGRAM_SECRET_HEADER },
    apiPathPrefix: `/bot${options.botToken}`,
    verify: (request) => verifySecretHeader(request.headers[TELEGRAM_SECRET_HEADER], options.webhookSecret),
    inspect: (request) => {
      const update = readUpdate(request.rawBody);
      // One bot per gateway: the account is this bot; the thread is the chat (else the user).
      const thread = chatIdOf(update) ?? userIdOf(update) ?? `update-${update.update_id}`;
      return { accountId: botId, threadKey: String(thread) };
    },
    acknowledge: acknowledgeUpdate,
    format: formatTelegramOutbound,
    toHttp: (request) => telegramHttpRequest(request, options.botToken),
    interpret: (_request, response) => interpretTelegramResponse(botId, response),
    register: (context) => telegramRegistration(context, options.webhookSecret),
  };
}
