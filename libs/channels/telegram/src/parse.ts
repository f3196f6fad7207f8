import { safeJsonText, totalEvents, unreadableEvent, type ChannelEvent, type MessageInit, type RawWebhook } from '@omni/channel-sdk';
import { Channel, ConsentState, Direction, timestampFromDate, timestampFromMs } from '@omni/contracts';
import { botIdOfRecord, telegramMessageId } from './ids';
import { chatIdOf, readUpdate, updateKind, userIdOf } from './update';
import type { TgCallbackQuery, TgChatMemberUpdated, TgMessage, TgUpdate, TgUser } from './wire';

type Content = NonNullable<MessageInit['content']>;

interface Context {
  botId: string;
  receivedAt: Date;
}

/**
 * One Telegram update → canonical events. Telegram sends one update per webhook:
 * - `message` in a private chat: text, or `unsupported` for media, stickers, locations… (kept whole);
 * - `callback_query` (an inline keyboard button pressed): a quick-reply answer with the button's
 *   data as payload and its label as text;
 * - `my_chat_member` in a private chat: the user blocked (`kicked`) or restarted the bot →
 *   consent opted out / in;
 * - anything else (edited messages, group and channel posts, inline queries…): `unsupported`.
 * The bot is not named in an update: it is the record's account, which the gateway took from its
 * own bot token.
 */
export function parseTelegramUpdate(raw: RawWebhook): ChannelEvent[] {
  const update = readUpdate(raw.body);
  const ctx: Context = { botId: botIdOfRecord(raw.accountId), receivedAt: raw.receivedAt };
  const unreadable = (reason: string) =>
    unreadableEvent({ channel: Channel.TELEGRAM, accountId: ctx.botId, providerType: 'update', json: update, receivedAt: raw.receivedAt, reason });
  return totalEvents(() => updateEvents(ctx, update), unreadable);
}

function updateEvents(ctx: Context, update: TgUpdate): ChannelEvent[] {
  if (update.message && update.message.chat?.type === 'private') return [messageEvent(ctx, update.message)];
  if (update.callback_query?.from) return [callbackEvent(ctx, update.callback_query)];
  if (update.my_chat_member?.chat?.type === 'private') {
    const consent = consentEvent(ctx, update.update_id, update.my_chat_member);
    if (consent) return [consent];
  }
  return [unsupportedEvent(ctx, update)];
}

function displayName(user: TgUser | undefined): string | undefined {
  const name = [user?.first_name, user?.last_name].filter((part) => typeof part === 'string' && part !== '').join(' ');
  return name || undefined;
}

function sender(user: TgUser | undefined, fallback: string) {
  return {
    channelUserId: typeof user?.id === 'number' ? String(user.id) : fallback,
    displayName: displayName(user),
    username: user?.username,
    locale: user?.language_code,
  };
}

/** Seconds since the epoch → Timestamp; a missing date falls back to the receive time. */
function at(seconds: number | undefined, ctx: Context) {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? timestampFromMs(seconds * 1000) : timestampFromDate(ctx.receivedAt);
}

function base(ctx: Context, providerMessageId: string, from: TgUser | undefined, date: number | undefined, content: Content, fallbackUser = 'telegram'): MessageInit {
  return {
    channel: Channel.TELEGRAM,
    providerMessageId,
    direction: Direction.INBOUND,
    accountId: ctx.botId,
    sender: sender(from, fallbackUser),
    providerTimestamp: at(date, ctx),
    content,
  };
}

function messageEvent(ctx: Context, message: TgMessage): ChannelEvent {
  const id = telegramMessageId(ctx.botId, message.chat?.id ?? 'unknown', message.message_id ?? 'unknown');
  const content: Content =
    typeof message.text === 'string'
      ? { kind: { case: 'text', value: { text: message.text } } }
      : { kind: { case: 'unsupported', value: { providerType: `message:${mediaKindOf(message)}`, providerJson: safeJsonText(message) } } };
  return { type: 'message', dedupeKey: id, message: base(ctx, id, message.from, message.date, content) };
}

/** What a non-text message carries: its first field that is not message metadata. */
const METADATA = new Set(['message_id', 'from', 'chat', 'date', 'edit_date', 'reply_to_message', 'entities', 'caption_entities', 'reply_markup', 'forward_origin', 'via_bot', 'message_thread_id', 'sender_chat', 'is_topic_message', 'has_protected_content', 'author_signature', 'link_preview_options']);
function mediaKindOf(message: TgMessage): string {
  return Object.keys(message).find((key) => !METADATA.has(key)) ?? 'empty';
}

/**
 * A pressed inline keyboard button. Its label is not in the callback: it is read from the
 * keyboard of the message the button belongs to (when Telegram still includes it).
 */
function callbackEvent(ctx: Context, query: TgCallbackQuery): ChannelEvent {
  const id = `${ctx.botId}:cb:${query.id ?? 'unknown'}`;
  const payload = query.data ?? '';
  const label = query.message?.reply_markup?.inline_keyboard?.flat().find((button) => button.callback_data === payload)?.text;
  const content: Content = { kind: { case: 'quickReply', value: { payload, text: label ?? payload } } };
  // The time of the press is not in the update: the message's date is the best lower bound.
  return { type: 'message', dedupeKey: id, message: base(ctx, id, query.from, undefined, content) };
}

/** A private chat's member status for the bot: `kicked` = the user blocked it, `member` = (re)started it. */
function consentEvent(ctx: Context, updateId: number, change: TgChatMemberUpdated): ChannelEvent | undefined {
  const status = change.new_chat_member?.status;
  const state = status === 'kicked' ? ConsentState.OPTED_OUT : status === 'member' ? ConsentState.OPTED_IN : undefined;
  const user = change.from?.id ?? change.chat?.id;
  if (state === undefined || user === undefined) return undefined;
  return {
    type: 'consent',
    dedupeKey: `${ctx.botId}:member:${updateId}`,
    consent: { channel: Channel.TELEGRAM, channelUserId: String(user), accountId: ctx.botId, state, keyword: `my_chat_member:${status}`, occurredAt: at(change.date, ctx) },
  };
}

/** Never dropped: any other update is kept as `unsupported`, the provider's JSON of just that event. */
function unsupportedEvent(ctx: Context, update: TgUpdate): ChannelEvent {
  const kind = updateKind(update);
  const id = `${ctx.botId}:update:${update.update_id}`;
  const user = userIdOf(update) ?? chatIdOf(update);
  const payload = update[kind] as { date?: unknown } | undefined;
  const date = typeof payload?.date === 'number' ? payload.date : undefined;
  const content: Content = { kind: { case: 'unsupported', value: { providerType: kind, providerJson: safeJsonText(update[kind] ?? null) } } };
  return {
    type: 'message',
    dedupeKey: id,
    message: base(ctx, id, undefined, date, content, user !== undefined ? String(user) : 'telegram'),
  };
}
