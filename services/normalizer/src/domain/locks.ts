import type { EntityManager } from 'typeorm';

/** What a message is deduplicated on: its channel, the provider's id and the channel adapter's key. */
export interface MessageKey {
  channel: string;
  providerMessageId: string;
  dedupeKey: string;
}

/** The advisory-lock name of one key of a message: its provider id, or `dedupe:<key>`. */
export function messageLockName(channel: string, key: string): string {
  return `omni-message:${channel}:${key}`;
}

/**
 * The lock names of a message, provider id first: receipts lock the provider id, and a redelivery
 * under another provider id shares the dedupe key.
 */
export function lockNamesOf(key: MessageKey): string[] {
  const names = [messageLockName(key.channel, key.providerMessageId)];
  if (key.dedupeKey !== key.providerMessageId) names.push(messageLockName(key.channel, `dedupe:${key.dedupeKey}`));
  return names;
}

/**
 * Serialises transactions about one message until commit, so a provider retry processed in
 * parallel (another partition, another instance) waits and then sees the first one's row instead
 * of failing on the unique index. Takes the named locks in one statement, in array order (the
 * ordinality sort runs before the volatile lock calls): callers always pass a message's names in
 * lockNamesOf's order, and a batch's names sorted, so two transactions never wait on each other
 * in a cycle.
 */
export async function lockMessageNames(manager: EntityManager, names: readonly string[]): Promise<void> {
  if (!names.length) return;
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(name, i) ORDER BY i', [names]);
}
