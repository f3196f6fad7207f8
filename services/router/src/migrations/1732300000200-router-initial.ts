import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RouterInitial1732300000200 implements MigrationInterface {
  name = 'RouterInitial1732300000200';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".routed_conversations (
      conversation_id uuid PRIMARY KEY, queue text NOT NULL, priority int NOT NULL, policy_version text NOT NULL,
      routed_at timestamptz NOT NULL, closed_at timestamptz)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".routed_conversations`);
  }
}
