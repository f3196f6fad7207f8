import { MalformedPayloadError, parseJsonObject } from '@omni/channel-sdk';
import type { ChangeValue, WhatsAppChange, WhatsAppEntry, WhatsAppWebhookBody } from './wire';

/**
 * Read a webhook body far enough to know it is a WhatsApp Business Account webhook:
 * `object: "whatsapp_business_account"`, a non-empty `entry` array with WABA ids, each with a
 * `changes` array of `{field, value:{…}}`. Anything else is not this provider's shape (→ 400);
 * what is inside `value` is left to the parser, which keeps unknown kinds.
 */
export function readWhatsAppBody(raw: Buffer | string): WhatsAppWebhookBody {
  const json = parseJsonObject(raw);
  if (json.object !== 'whatsapp_business_account') throw new MalformedPayloadError('object must be "whatsapp_business_account"', 'object');
  if (!Array.isArray(json.entry) || json.entry.length === 0) throw new MalformedPayloadError('entry must be a non-empty array', 'entry');
  return { object: 'whatsapp_business_account', entry: json.entry.map(readEntry) };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readEntry(value: unknown, i: number): WhatsAppEntry {
  if (!isObject(value)) throw new MalformedPayloadError('entry must hold objects', `entry[${i}]`);
  const id = typeof value.id === 'number' ? String(value.id) : value.id;
  if (typeof id !== 'string' || id === '') throw new MalformedPayloadError('entry without a WABA id', `entry[${i}].id`);
  if (!Array.isArray(value.changes)) throw new MalformedPayloadError('entry without changes', `entry[${i}].changes`);
  const changes = value.changes.map((change, j): WhatsAppChange => {
    if (!isObject(change) || typeof change.field !== 'string' || !isObject(change.value)) {
      throw new MalformedPayloadError('a change must be {field, value:{…}}', `entry[${i}].changes[${j}]`);
    }
    return { field: change.field, value: change.value as ChangeValue };
  });
  return { id, changes };
}

/** The business phone number a change is about: the account id messages are routed and sent by. */
export function phoneNumberIdOf(value: ChangeValue): string | undefined {
  const id = value.metadata?.phone_number_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The first customer a change mentions, for the raw record's key. */
export function firstCustomerOf(value: ChangeValue): string | undefined {
  const candidates = [
    ...(Array.isArray(value.messages) ? value.messages.map((m) => m?.from) : []),
    ...(Array.isArray(value.statuses) ? value.statuses.map((s) => s?.recipient_id) : []),
    ...(Array.isArray(value.contacts) ? value.contacts.map((c) => c?.wa_id) : []),
    ...(Array.isArray(value.user_preferences) ? value.user_preferences.map((p) => p?.wa_id) : []),
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c !== '');
}
