import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When and how a conversation was resolved (POST /conversations/:id/resolve). */
export class AssignmentResolution1732300000410 implements MigrationInterface {
  name = 'AssignmentResolution1732300000410';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".conversation_assignments ADD COLUMN resolved_at timestamptz, ADD COLUMN resolution text`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".conversation_assignments DROP COLUMN resolution, DROP COLUMN resolved_at`);
  }
}
