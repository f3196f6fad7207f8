import type { EntityManager } from 'typeorm';

/**
 * Serialises transactions about one (channel, provider message id) until commit, so a provider
 * retry processed in parallel (another partition, another instance) waits and then sees the first
 * one's row instead of failing on the unique index.
 */
export async function lockMessageKey(manager: EntityManager, channel: string, providerMessageId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`omni-message:${channel}:${providerMessageId}`]);
}
