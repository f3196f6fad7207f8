import { parseJsonObject, totalEvents, unreadableEvent } from '@omni/channel-sdk';
import type { ChannelEvent, ChannelParser, RawWebhook } from '@omni/channel-sdk';
import { Channel } from '@omni/contracts';
import { dmEventToMessage } from './dm-event';
import { classifyEnvelope } from './envelope';
import { asArray, asEpochMs, asObject, asString, type JsonObject } from './fields';
import { readToStatus, typingToStatus } from './receipts';
import { unsupportedEvent } from './unsupported';
import { readUsers } from './users';

/** Account Activity keys that describe the envelope rather than carry events. */
const AAA_METADATA_KEYS = new Set(['for_user_id', 'users', 'apps', 'user_has_blocked']);

/**
 * Turn one X webhook body into canonical events. Two envelopes reach the same URL:
 * - Account Activity API (deprecated but live): `{for_user_id, direct_message_events[], …}`;
 * - X Activity API: `{data: {event_uuid, filter: {user_id}, event_type, payload}}`.
 * Every key or event type we do not model becomes unsupported content, never dropped.
 */
export function parseTwitterWebhook(raw: RawWebhook): ChannelEvent[] {
  const envelope = classifyEnvelope(parseJsonObject(raw.body));
  if (envelope.kind === 'account-activity') return parseAccountActivity(envelope.body, envelope.accountId, raw.receivedAt);
  return totalEvents(
    () => parseXActivity(envelope.data, envelope.payload, envelope.accountId, raw.receivedAt),
    unreadable(envelope.accountId, raw.receivedAt, 'data', { data: envelope.data }),
  );
}

/** The stand-in for one item Omni cannot read: kept as unreadable with the reason, siblings unharmed. */
function unreadable(accountId: string, receivedAt: Date, providerType: string, json: unknown, customer?: unknown) {
  return (reason: string) => unreadableEvent({ channel: Channel.TWITTER, accountId, customerId: customer, providerType, json, receivedAt, reason });
}

export const twitterParser: ChannelParser = {
  channel: Channel.TWITTER,
  slug: 'twitter',
  parse: parseTwitterWebhook,
};

function parseAccountActivity(body: JsonObject, accountId: string, receivedAt: Date): ChannelEvent[] {
  const users = readUsers(body['users']);
  const events: ChannelEvent[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (AAA_METADATA_KEYS.has(key)) continue;
    const ctx = { accountId, receivedAt, source: key };
    switch (key) {
      case 'direct_message_events':
        for (const item of objectItems(value)) events.push(...totalEvents(() => [dmEventToMessage(item, { ...ctx, users })], unreadable(accountId, receivedAt, key, item, item['sender_id'])));
        break;
      case 'direct_message_indicate_typing_events':
        for (const item of objectItems(value)) events.push(...totalEvents(() => [typingToStatus(item, ctx)], unreadable(accountId, receivedAt, key, item, item['sender_id'])));
        break;
      case 'direct_message_mark_read_events':
        for (const item of objectItems(value)) events.push(...totalEvents(() => [readToStatus(item, ctx)], unreadable(accountId, receivedAt, key, item, item['sender_id'])));
        break;
      default:
        events.push(...totalEvents(() => unknownKey(key, value, accountId, receivedAt), unreadable(accountId, receivedAt, key, { [key]: value })));
    }
  }
  return events;
}

/**
 * Unknown Account Activity keys: arrays give one unsupported event per item (`favorite_events`),
 * objects one per sub-key (`user_event: {revoke: …}` → 'user_event.revoke'), scalars one.
 */
function unknownKey(key: string, value: unknown, accountId: string, receivedAt: Date): ChannelEvent[] {
  const base = { accountId, receivedAt };
  if (Array.isArray(value)) {
    return value.map((item) =>
      unsupportedEvent({
        ...base,
        providerType: key,
        json: item,
        eventId: asString(asObject(item)?.['id_str']) ?? asString(asObject(item)?.['id']),
        senderId: actorOf(item),
        timestampMs: asEpochMs(asObject(item)?.['timestamp_ms']) ?? asEpochMs(asObject(item)?.['created_timestamp']),
      }),
    );
  }
  const object = asObject(value);
  if (object && Object.keys(object).length) {
    return Object.entries(object).map(([sub, item]) =>
      unsupportedEvent({ ...base, providerType: `${key}.${sub}`, json: { [key]: { [sub]: item } }, senderId: actorOf(item) }),
    );
  }
  return [unsupportedEvent({ ...base, providerType: key, json: { [key]: value } })];
}

/**
 * Who did it, for unknown Account Activity items: favorites and follows name a user object
 * (`user` / `source`), revokes a `source.user_id`, DM-like items a `sender_id`.
 */
function actorOf(item: unknown): string | undefined {
  const object = asObject(item);
  const user = asObject(object?.['user']);
  const source = asObject(object?.['source']);
  return (
    asString(user?.['id_str']) ??
    asString(source?.['id_str']) ??
    asString(source?.['id']) ??
    asString(source?.['user_id']) ??
    asString(object?.['sender_id'])
  );
}

function parseXActivity(data: JsonObject, payload: JsonObject, accountId: string, receivedAt: Date): ChannelEvent[] {
  const eventType = data['event_type'] as string;
  const eventUuid = asString(data['event_uuid']);
  const ctx = { accountId, receivedAt, source: eventType };
  const wholeEvent = () =>
    unsupportedEvent({
      ...ctx,
      providerType: eventType,
      json: { data },
      eventId: eventUuid,
      senderId: asString(payload['sender_id']),
      recipientId: counterpartIn(payload, accountId),
      timestampMs: asEpochMs(payload['created_at_msec']) ?? asEpochMs(payload['created_timestamp']),
      outbound: eventType.endsWith('.sent'),
    });

  switch (eventType) {
    case 'dm.received':
    case 'dm.sent': {
      const items = asArray(payload['direct_message_events']).map(asObject).filter(isDefined);
      if (!items.length) return [wholeEvent()];
      const users = readUsers(payload['users']);
      const sentByBusiness = eventType === 'dm.sent';
      return items.map((item) => dmEventToMessage(item, { ...ctx, users, sentByBusiness }));
    }
    // No documented sample for these two bodies (UNVERIFIED): accept the Account Activity array
    // inside the payload, or the payload itself as one item; anything else stays unsupported.
    case 'dm.read': {
      const items = receiptItems(payload, 'direct_message_mark_read_events', 'last_read_event_id');
      return items.length ? items.map((item) => readToStatus(item, ctx)) : [wholeEvent()];
    }
    case 'dm.indicate_typing': {
      const items = receiptItems(payload, 'direct_message_indicate_typing_events', 'sender_id');
      return items.length ? items.map((item) => typingToStatus(item, ctx)) : [wholeEvent()];
    }
    default:
      // chat.received / chat.sent (encrypted XChat, unreadable without XChat libraries) and every
      // non-DM event type.
      return [wholeEvent()];
  }
}

/** The customer of an X Activity payload we sent: XChat's `conversation_id` ("a:b") minus us. */
function counterpartIn(payload: JsonObject, accountId: string): string | undefined {
  return asString(payload['conversation_id'])
    ?.split(':')
    .find((id) => id && id !== accountId);
}

function receiptItems(payload: JsonObject, arrayKey: string, marker: string): JsonObject[] {
  const items = asArray(payload[arrayKey]).map(asObject).filter(isDefined);
  if (items.length) return items;
  return payload[marker] !== undefined ? [payload] : [];
}

/** Items of a list classifyEnvelope has already checked to be an array of objects. */
function objectItems(value: unknown): JsonObject[] {
  return asArray(value).map(asObject).filter(isDefined);
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
