import type { EntityManager } from 'typeorm';

/** The advisory-lock name of one key of a message: its provider id, or `dedupe:<key>`. */
export function messageLockName(channel: string, key: string): string {
  return `omni-message:${channel}:${key}`;
}

/**
 * Serialises transactions about one (channel, provider message id) until commit, so a provider
 * retry processed in parallel (another partition, another instance) waits and then sees the first
 * one's row instead of failing on the unique index. Several keys (a message's provider id and its
 * dedupe key) are locked in one statement, in the order given: PostgreSQL evaluates a select
 * list left to right, so every caller passing keys in the same order cannot deadlock.
 */
export async function lockMessageKeys(manager: EntityManager, channel: string, keys: readonly [string] | readonly [string, string]): Promise<void> {
  const select = keys.map((_, i) => `pg_advisory_xact_lock(hashtextextended($${i + 1}, 0))`).join(', ');
  await manager.query(`SELECT ${select}`, keys.map((key) => messageLockName(channel, key)));
}

/**
 * Takes many message locks in one statement, in array order (the ordinality sort runs before the
 * volatile lock calls). Callers pass the names sorted, so two batches locking overlapping sets
 * always take them in the same order and never wait on each other in a cycle.
 */
export async function lockMessageNames(manager: EntityManager, sortedNames: readonly string[]): Promise<void> {
  if (!sortedNames.length) return;
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(name, i) ORDER BY i', [sortedNames]);
}
