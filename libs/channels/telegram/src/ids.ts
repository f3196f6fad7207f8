import { MalformedPayloadError } from '@omni/channel-sdk';

/**
 * Telegram message ids count per chat, and every bot has its own chat with a user (same chat id,
 * its own message ids), so a message id alone collides between chats and between bots. Omni's
 * provider message id, and the dedupe key, is `<bot id>:<chat id>:<message id>`.
 */
export function telegramMessageId(botId: string, chatId: number | string, messageId: number | string): string {
  return `${botId}:${chatId}:${messageId}`;
}

/** A bot token is `<bot id>:<secret>`; the bot id is the business account id. */
export function botIdOf(botToken: string): string {
  const match = /^(\d{1,20}):[A-Za-z0-9_-]{20,}$/.exec(botToken);
  if (!match) throw new Error('a Telegram bot token looks like <bot id>:<secret> (from @BotFather)');
  return match[1]!;
}

/** The bot a raw record is for: its account id, which the gateway took from its own token. */
export function botIdOfRecord(accountId: string): string {
  if (!/^\d{1,20}$/.test(accountId)) throw new MalformedPayloadError('Telegram raw record without a bot id as account', 'account_id');
  return accountId;
}
