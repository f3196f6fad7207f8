import { createHash } from 'node:crypto';
import {
  ConsentChangedSchema,
  create,
  Direction,
  MessageSchema,
  MessageStatusSchema,
  timestampFromDate,
  toBinary,
  toJson,
  type Channel,
} from '@omni/contracts';
import type { ChannelEvent } from './adapter';

/**
 * Making `parse` total: whatever a gateway accepted (signed, right shape) must come out of the
 * normalizer as events, never as an exception that is retried and dead-lettered together with
 * every sibling event of the same webhook. These helpers bound the values parsers read and keep a
 * bad event as an "unreadable" unsupported message with the reason, next to its readable siblings.
 */

/** The latest instant a Date (and so a PostgreSQL timestamp) holds sensibly: 9999-12-31T23:59:59.999Z. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** Longest provider JSON kept on an unreadable or unsupported event (the raw record keeps all of it). */
export const MAX_PROVIDER_JSON_CHARS = 16 * 1024;

/** Longest reason kept: error texts can quote input, and they end up in history and logs. */
const MAX_REASON_CHARS = 200;

/**
 * A provider time as integer epoch ms, or undefined when it is not one: not a finite number (or
 * numeric string), negative, or past year 9999. Fractions are truncated (Meta has sent
 * `1717171717512.3`; a Timestamp's nanos must be an integer). `unit: 's'` for providers that send
 * seconds (WhatsApp).
 */
export function epochMs(value: unknown, unit: 'ms' | 's' = 'ms'): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  const ms = Math.trunc(unit === 's' ? n * 1000 : n);
  return ms >= 0 && ms <= MAX_EPOCH_MS ? ms : undefined;
}

/** JSON text of a value that never throws (cycles, BigInt, depth) and is at most `maxChars` long. */
export function safeJsonText(value: unknown, maxChars = MAX_PROVIDER_JSON_CHARS): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'null';
  } catch (err) {
    text = `"unserialisable: ${(err as Error).name}"`;
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}…(truncated, ${text.length} chars)` : text;
}

/** Why an event cannot be written to its topic (protobuf encoding refuses it), or undefined. */
export function encodingProblem(event: ChannelEvent): string | undefined {
  try {
    // Binary for the topic, JSON for the normalizer's jsonb columns: the JSON encoder is the strict
    // one (a string field holding an array passes toBinary, not toJson).
    if (event.type === 'message') {
      const message = create(MessageSchema, event.message);
      toBinary(MessageSchema, message);
      toJson(MessageSchema, message);
    } else if (event.type === 'status') {
      const status = create(MessageStatusSchema, event.status);
      toBinary(MessageStatusSchema, status);
      toJson(MessageStatusSchema, status);
    } else {
      const consent = create(ConsentChangedSchema, event.consent);
      toBinary(ConsentChangedSchema, consent);
      toJson(ConsentChangedSchema, consent);
    }
    if (typeof event.dedupeKey !== 'string' || event.dedupeKey === '') return 'no dedupe key';
    return undefined;
  } catch (err) {
    return reasonOf(err);
  }
}

/**
 * Why the normalizer could not store an event although it encodes: a message needs a provider id
 * and a customer (the sender when inbound, the recipient when outbound). Undefined when storable.
 */
export function eventProblem(event: ChannelEvent): string | undefined {
  const encoding = encodingProblem(event);
  if (encoding) return encoding;
  if (event.type === 'message') {
    const message = event.message;
    if (!message.providerMessageId) return 'message without a provider message id';
    const customer = message.direction === Direction.OUTBOUND ? message.recipient : message.sender;
    if (!customer?.channelUserId) return 'message without a customer id';
  }
  return undefined;
}

/** Lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, Node ≥ 20, not in the TS lib here). */
function wellFormed(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed();
}

/**
 * PostgreSQL text refuses U+0000 and jsonb also lone surrogates (`\ud800`): neither is meaningful
 * in a message, so both become U+FFFD.
 */
function withoutNul<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return wellFormed(value.includes('\u0000') ? value.split('\u0000').join('\ufffd') : value) as T;
  if (value === null || typeof value !== 'object' || depth > 32 || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item) => withoutNul(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = withoutNul(item, depth + 1);
  return out as T;
}

/**
 * The normalizer's last check before storing a parsed webhook: NUL characters replaced, and every
 * event it could not store (see eventProblem) replaced by the unreadable event `unreadable` builds
 * from the event itself and the reason, so one bad event never fails the record.
 */
export function storableEvents(events: readonly ChannelEvent[], unreadable: (event: ChannelEvent, reason: string) => ChannelEvent): ChannelEvent[] {
  return events.map((original) => {
    const event = withoutNul(original);
    const problem = eventProblem(event);
    return problem ? unreadable(event, problem) : event;
  });
}

export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

export interface UnreadableInput {
  channel: Channel;
  /** The business account (page, number, bot…) the webhook was for. */
  accountId: string;
  /** The customer, when the event names one as a string; the account otherwise. */
  customerId?: unknown;
  /** The provider's kind of event, e.g. 'messaging', 'message', 'direct_message_events'. */
  providerType: string;
  /** The provider's JSON of just this event. */
  json: unknown;
  receivedAt: Date;
  reason: string;
}

/**
 * The event that stands for one Omni could not read: an inbound message with unsupported content
 * `unreadable:<kind>`, the provider JSON (bounded) and the reason. Its id hashes the account and
 * the JSON, so a redelivered webhook dedupes onto it. Built only from values checked here, so it
 * cannot fail the way the event did.
 */
export function unreadableEvent(input: UnreadableInput): ChannelEvent {
  const providerJson = safeJsonText(input.json);
  const accountId = typeof input.accountId === 'string' && input.accountId !== '' ? input.accountId.slice(0, 256) : 'unknown';
  const customer = typeof input.customerId === 'string' && input.customerId !== '' ? input.customerId.slice(0, 256) : accountId;
  const providerType = `unreadable:${input.providerType}`.slice(0, 128);
  const id = `${providerType}:${createHash('sha256').update(`${accountId}\n${providerJson}`).digest('hex').slice(0, 32)}`;
  const receivedAt = Number.isNaN(input.receivedAt.getTime()) ? new Date(0) : input.receivedAt;
  return {
    type: 'message',
    dedupeKey: id,
    message: {
      channel: input.channel,
      providerMessageId: id,
      direction: Direction.INBOUND,
      isEcho: false,
      accountId,
      sender: { channelUserId: customer },
      recipient: { channelUserId: accountId },
      receivedAt: timestampFromDate(receivedAt),
      providerTimestamp: timestampFromDate(receivedAt),
      content: { kind: { case: 'unsupported', value: { providerType, providerJson, reason: input.reason.slice(0, MAX_REASON_CHARS) } } },
    },
  };
}

/**
 * Read one provider event totally: the events `read` gives when every one of them can be
 * written, otherwise (read threw, or gave an event protobuf refuses) the single event `unreadable`
 * builds from the reason. Parsers call it per item of a batch, so one bad item never takes its
 * siblings down.
 */
export function totalEvents(read: () => ChannelEvent[], unreadable: (reason: string) => ChannelEvent): ChannelEvent[] {
  let reason: string | undefined;
  try {
    const events = read().map((event) => withoutNul(event));
    for (const event of events) {
      reason = eventProblem(event);
      if (reason) break;
    }
    if (!reason) return events;
  } catch (err) {
    reason = reasonOf(err);
  }
  return [unreadable(reason)];
}
