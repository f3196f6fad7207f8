import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WindowPolicyInitial1732300000300 implements MigrationInterface {
  name = 'WindowPolicyInitial1732300000300';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".conversation_windows (
      conversation_id uuid PRIMARY KEY, channel int NOT NULL, last_inbound_at timestamptz NOT NULL)`);
    await q.query(`CREATE TABLE "${s}".consents (
      channel int NOT NULL, channel_user_id text NOT NULL, state text NOT NULL, contact_id text, keyword text,
      changed_at timestamptz NOT NULL, PRIMARY KEY (channel, channel_user_id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".consents`);
    await q.query(`DROP TABLE IF EXISTS "${s}".conversation_windows`);
  }
}
