import { MalformedPayloadError, parseJsonObject } from '@omni/channel-sdk';
import type { MessagingItem, MessengerEntry, MessengerWebhookBody } from './wire';

/**
 * Read a webhook body far enough to know it is a Messenger page webhook: JSON object,
 * `object: "page"`, a non-empty `entry` array of objects with a page id, and `messaging`/`standby`
 * arrays of objects when present. Anything else is not this provider's shape (→ 400). What is
 * inside each messaging item is left to the parser, which keeps unknown kinds.
 */
export function readMessengerBody(raw: Buffer | string): MessengerWebhookBody {
  const json = parseJsonObject(raw);
  if (json.object !== 'page') throw new MalformedPayloadError('object must be "page"', 'object');
  if (!Array.isArray(json.entry) || json.entry.length === 0) throw new MalformedPayloadError('entry must be a non-empty array', 'entry');
  const entry = json.entry.map((value, i) => readEntry(value, i));
  return { object: 'page', entry };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readEntry(value: unknown, i: number): MessengerEntry {
  if (!isObject(value)) throw new MalformedPayloadError('entry must hold objects', `entry[${i}]`);
  const id = typeof value.id === 'number' ? String(value.id) : value.id;
  if (typeof id !== 'string' || id === '') throw new MalformedPayloadError('entry without a page id', `entry[${i}].id`);
  const entry: MessengerEntry = { ...(value as object), id } as MessengerEntry;
  for (const key of ['messaging', 'standby'] as const) {
    const items = value[key];
    if (items === undefined) continue;
    if (!Array.isArray(items) || !items.every(isObject)) throw new MalformedPayloadError(`${key} must be an array of objects`, `entry[${i}].${key}`);
    entry[key] = items as MessagingItem[];
  }
  return entry;
}

/** The customer of a messaging item: the recipient when the Page is the sender (echoes). */
export function customerId(item: MessagingItem): string | undefined {
  const sender = idOf(item.sender);
  const recipient = idOf(item.recipient);
  return item.message?.is_echo === true ? recipient : sender ?? recipient;
}

export function idOf(party: { id?: unknown } | undefined): string | undefined {
  const id = party?.id;
  if (typeof id === 'number') return String(id);
  return typeof id === 'string' && id !== '' ? id : undefined;
}
