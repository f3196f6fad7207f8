import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The router's reasons, kept so the assignment event can say why the conversation came here. */
export class AssignmentRoutingReasons1732300000430 implements MigrationInterface {
  name = 'AssignmentRoutingReasons1732300000430';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".conversation_assignments ADD COLUMN routing_reasons jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".conversation_assignments DROP COLUMN routing_reasons`);
  }
}
