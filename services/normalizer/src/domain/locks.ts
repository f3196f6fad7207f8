import type { EntityManager } from 'typeorm';

/**
 * Serialises transactions about one (channel, provider message id) until commit, so a provider
 * retry processed in parallel (another partition, another instance) waits and then sees the first
 * one's row instead of failing on the unique index. Several keys (a message's provider id and its
 * dedupe key) are locked in one statement, in the order given: PostgreSQL evaluates a select
 * list left to right, so every caller passing keys in the same order cannot deadlock.
 */
export async function lockMessageKeys(manager: EntityManager, channel: string, keys: readonly [string] | readonly [string, string]): Promise<void> {
  const select = keys.map((_, i) => `pg_advisory_xact_lock(hashtextextended($${i + 1}, 0))`).join(', ');
  await manager.query(`SELECT ${select}`, keys.map((key) => `omni-message:${channel}:${key}`));
}
