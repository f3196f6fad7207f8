import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared by every service schema: the inbox (processed event ids) and the outbox. */
export class CreateInboxOutbox1732300000000 implements MigrationInterface {
  name = 'CreateInboxOutbox1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "${schema}"."inbox" (
        consumer text NOT NULL,
        event_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "${schema}"."outbox" (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        record_key text NOT NULL,
        value bytea NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS outbox_unpublished ON "${schema}"."outbox" (id) WHERE published_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
    await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."outbox"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."inbox"`);
  }
}
