import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages remember the adapter's dedupe key, unique per channel: the key a channel chose to
 * recognise its provider's redeliveries (Telegram: bot, chat and message id, since message ids
 * alone repeat across chats and bots). Additive: rows written before have no key and stay
 * deduplicated by (channel, provider message id), which is still checked.
 */
export class NormalizerDedupeKey1732300000120 implements MigrationInterface {
  name = 'NormalizerDedupeKey1732300000120';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".messages ADD COLUMN dedupe_key text`);
    await q.query(`CREATE UNIQUE INDEX messages_dedupe_key ON "${s}".messages (channel, dedupe_key) WHERE dedupe_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP INDEX "${s}".messages_dedupe_key`);
    await q.query(`ALTER TABLE "${s}".messages DROP COLUMN dedupe_key`);
  }
}
