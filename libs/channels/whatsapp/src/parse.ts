import { createHash } from 'node:crypto';
import { epochMs, safeJsonText, totalEvents, unreadableEvent, type ChannelEvent, type ChannelParser, type RawWebhook } from '@omni/channel-sdk';
import { Channel, ConsentState, DeliveryState, Direction, ErrorCode, timestampFromDate, timestampFromMs } from '@omni/contracts';
import { isObject, phoneNumberIdOf, readWhatsAppBody } from './body';
import { messageContents, type ContentInit } from './content';
import { entryPointFromReferral } from './entry-point';
import { mapWhatsAppError } from './errors';
import type { ChangeValue, WhatsAppChange, WhatsAppEntry, WireMessage, WireStatus, WireUserPreference } from './wire';

interface ChangeContext {
  /** The business number (phone_number_id): Omni's account id for WhatsApp. */
  accountId: string;
  receivedAt: Date;
  value: ChangeValue;
  /** wa_id → profile name, from `value.contacts`. */
  names: Map<string, string>;
}

/**
 * Turn one WhatsApp webhook into canonical events (docs/channels/whatsapp.md). Every entry and change is read;
 * one WABA may hold several numbers, each change names its own `metadata.phone_number_id`, which
 * becomes the account id. Nothing is dropped: unknown message types, unknown statuses, value-level
 * `errors[]` and other webhook fields come back as `unsupported` with their JSON.
 *
 * Dedupe keys (docs/channels/protocols.md): the message `wamid`; statuses `wamid:status` (one message gets
 * sent, delivered, read…). Timestamps are epoch seconds as strings.
 */
export function parseWhatsAppWebhook(raw: RawWebhook): ChannelEvent[] {
  const body = readWhatsAppBody(raw.body);
  const events: ChannelEvent[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      // Items are read one by one inside; this catches what the change itself holds (errors, preferences).
      const unreadable = (reason: string) =>
        unreadableEvent({ channel: Channel.WHATSAPP, accountId: entry.id, providerType: 'change', json: change, receivedAt: raw.receivedAt, reason });
      events.push(...totalEvents(() => parseChange(entry, change, raw.receivedAt), unreadable));
    }
  }
  return events;
}

export const whatsappParser: ChannelParser = {
  channel: Channel.WHATSAPP,
  slug: 'whatsapp',
  parse: parseWhatsAppWebhook,
};

function parseChange(entry: WhatsAppEntry, change: WhatsAppChange, receivedAt: Date): ChannelEvent[] {
  const value = change.value;
  const ctx: ChangeContext = { accountId: phoneNumberIdOf(value) ?? entry.id, receivedAt, value, names: profileNames(value) };
  const events: ChannelEvent[] = [];
  if (change.field === 'messages') {
    // Each item on its own: one Omni cannot read is kept as unreadable, its siblings as usual.
    const unreadable = (providerType: string, json: unknown, customer: unknown) => (reason: string) =>
      unreadableEvent({ channel: Channel.WHATSAPP, accountId: ctx.accountId, customerId: customer, providerType, json, receivedAt, reason });
    for (const message of arrayOf<WireMessage>(value.messages)) events.push(...totalEvents(() => messageEvents(ctx, message), unreadable('message', message, message.from)));
    for (const status of arrayOf<WireStatus>(value.statuses)) events.push(...totalEvents(() => [statusEvent(ctx, status)], unreadable('status', status, status.recipient_id)));
    if (Array.isArray(value.errors)) events.push(systemNotice(ctx, 'errors', value.errors));
  } else if (change.field === 'user_preferences') {
    events.push(...consentEvents(ctx));
  }
  // Template status updates, account alerts, anything newer: kept whole.
  if (events.length === 0) events.push(systemNotice(ctx, `field:${change.field}`, change));
  return events;
}

function arrayOf<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value.filter(isObject) as T[]) : [];
}

function profileNames(value: ChangeValue): Map<string, string> {
  const names = new Map<string, string>();
  for (const contact of arrayOf<{ wa_id?: string; profile?: { name?: string } }>(value.contacts)) {
    if (typeof contact.wa_id === 'string' && typeof contact.profile?.name === 'string') names.set(contact.wa_id, contact.profile.name);
  }
  return names;
}

/** Epoch seconds (WhatsApp sends them as strings) to ms; the receive time when absent or garbled. */
function secondsToMs(value: unknown, receivedAt: Date): number {
  // Bounded and whole: "1e20" or "1717171717.0001" are no time a Timestamp can hold.
  return epochMs(value, 's') ?? receivedAt.getTime();
}

function digest(value: unknown): string {
  return createHash('sha256').update(safeJsonText(value)).digest('hex').slice(0, 16);
}

function stringOr(value: unknown, fallback = ''): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function messageEvents(ctx: ChangeContext, message: WireMessage): ChannelEvent[] {
  const atMs = secondsToMs(message.timestamp, ctx.receivedAt);
  const from = stringOr(message.from, stringOr(ctx.value.contacts?.[0]?.wa_id, ctx.accountId));
  const wamid = stringOr(message.id, `message:${ctx.accountId}:${from}:${atMs}:${digest(message)}`);
  // The profile name of the sender; a single contact is the sender even if wa_id and from differ in form.
  const displayName = ctx.names.get(from) ?? (ctx.names.size === 1 ? [...ctx.names.values()][0] : undefined);
  const shared = {
    channel: Channel.WHATSAPP,
    direction: Direction.INBOUND,
    sender: { channelUserId: from, displayName },
    recipient: { channelUserId: ctx.accountId },
    providerTimestamp: timestampFromMs(atMs),
    receivedAt: timestampFromDate(ctx.receivedAt),
    accountId: ctx.accountId,
    replyToProviderMessageId: stringOr(message.context?.id) || undefined,
    entryPoint: entryPointFromReferral(isObject(message.referral) ? message.referral : undefined),
  };
  // Part 0 keeps the wamid (statuses and replies refer to it); later parts get `wamid#n`.
  return messageContents(message).map((content, i) => {
    const providerMessageId = i === 0 ? wamid : `${wamid}#${i}`;
    return { type: 'message' as const, dedupeKey: providerMessageId, message: { ...shared, providerMessageId, content } };
  });
}

const STATES: Record<string, DeliveryState> = {
  sent: DeliveryState.SENT,
  delivered: DeliveryState.DELIVERED,
  read: DeliveryState.READ,
  // A voice message was played: it has certainly been read.
  played: DeliveryState.READ,
  failed: DeliveryState.FAILED,
};

function statusEvent(ctx: ChangeContext, status: WireStatus): ChannelEvent {
  const name = stringOr(status.status, 'unknown');
  const state = STATES[name];
  const customer = stringOr(status.recipient_id, ctx.accountId);
  const atMs = secondsToMs(status.timestamp, ctx.receivedAt);
  const wamid = stringOr(status.id);
  if (state === undefined || wamid === '') {
    // A status Omni does not know (e.g. "deleted"), kept rather than guessed at.
    return unsupportedMessage(ctx, `status:${name}`, status, `status:${wamid || digest(status)}:${name}`, customer, atMs);
  }
  const firstError = Array.isArray(status.errors) ? status.errors.find(isObject) : undefined;
  const error =
    state === DeliveryState.FAILED
      ? firstError
        ? mapWhatsAppError({ httpStatus: 0, code: typeof firstError.code === 'number' ? firstError.code : undefined })
        : { code: ErrorCode.UNKNOWN, retryable: false, message: 'failed without an error code' }
      : undefined;
  return {
    type: 'status',
    dedupeKey: `${wamid}:${name}`,
    status: {
      channel: Channel.WHATSAPP,
      providerMessageId: wamid,
      // We send biz_opaque_callback_data = the outbound id; Meta echoes it on every status.
      outboundId: stringOr(status.biz_opaque_callback_data) || undefined,
      state,
      occurredAt: timestampFromMs(atMs),
      error,
      channelUserId: customer,
      accountId: ctx.accountId,
    },
  };
}

/**
 * Marketing opt-out / resume (`user_preferences`, docs/channels/whatsapp.md). The body shape is UNVERIFIED:
 * `user_preferences[{wa_id, category, value: "stop"|"resume", timestamp}]` is read when present,
 * anything else falls back to `unsupported` so nothing is lost.
 */
function consentEvents(ctx: ChangeContext): ChannelEvent[] {
  const events: ChannelEvent[] = [];
  for (const preference of arrayOf<WireUserPreference>(ctx.value.user_preferences)) {
    const state = preference.value === 'stop' ? ConsentState.OPTED_OUT : preference.value === 'resume' ? ConsentState.OPTED_IN : undefined;
    const waId = stringOr(preference.wa_id);
    if (state === undefined || waId === '') continue;
    const atMs = secondsToMs(typeof preference.timestamp === 'number' ? String(preference.timestamp) : preference.timestamp, ctx.receivedAt);
    const category = stringOr(preference.category, 'marketing_messages');
    events.push({
      type: 'consent',
      dedupeKey: `consent:${ctx.accountId}:${waId}:${category}:${preference.value}:${atMs}`,
      consent: {
        channel: Channel.WHATSAPP,
        channelUserId: waId,
        accountId: ctx.accountId,
        state,
        keyword: `${category}:${preference.value}`,
        occurredAt: timestampFromMs(atMs),
      },
    });
  }
  return events;
}

/** Something about the business account itself (errors, template updates): the number is the sender. */
function systemNotice(ctx: ChangeContext, providerType: string, payload: unknown): ChannelEvent {
  return unsupportedMessage(ctx, providerType, payload, `${providerType}:${ctx.accountId}:${digest(payload)}`, ctx.accountId, ctx.receivedAt.getTime());
}

function unsupportedMessage(ctx: ChangeContext, providerType: string, payload: unknown, id: string, sender: string, atMs: number): ChannelEvent {
  const content: ContentInit = { kind: { case: 'unsupported', value: { providerType, providerJson: safeJsonText(payload) } } };
  return {
    type: 'message',
    dedupeKey: id,
    message: {
      channel: Channel.WHATSAPP,
      providerMessageId: id,
      direction: Direction.INBOUND,
      sender: { channelUserId: sender },
      recipient: { channelUserId: ctx.accountId },
      providerTimestamp: timestampFromMs(atMs),
      receivedAt: timestampFromDate(ctx.receivedAt),
      content,
      accountId: ctx.accountId,
    },
  };
}
