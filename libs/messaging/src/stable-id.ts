import { createHash } from 'node:crypto';

/**
 * A stable UUID (v5-shaped) from a name: the same input always gives the same id. Used for event
 * ids derived from what caused them, so that a provider's redelivery of the same webhook yields the
 * same `ce_id` and consumers' inboxes drop the copy.
 */
export function uuidFrom(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Is `value` a UUID in its text form (any version, either case)? The ids events and APIs carry
 * are; checking before a `uuid` column or `::uuid[]` cast sees one keeps a malformed id a clear
 * error (or a skipped record) instead of a failed statement.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
