import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbox pruning deletes by age: an index on processed_at keeps that a range scan. */
export class IndexInboxProcessedAt1764600000000 implements MigrationInterface {
  name = 'IndexInboxProcessedAt1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS inbox_processed_at ON "${schema}"."inbox" (processed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP INDEX IF EXISTS "${schema}".inbox_processed_at`);
  }
}
