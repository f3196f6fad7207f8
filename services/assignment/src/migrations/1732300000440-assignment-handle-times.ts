import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Handle times appended one row per resolve, instead of each resolve updating its queue's running
 * average: that shared row made every resolve take the assignment lock (passes write the queues
 * table under it). The sweep folds the rows into queues.avg_handle_ms and deletes them.
 */
export class AssignmentHandleTimes1732300000440 implements MigrationInterface {
  name = 'AssignmentHandleTimes1732300000440';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".handle_times (id bigserial PRIMARY KEY, queue text NOT NULL, handle_ms int NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".handle_times`);
  }
}
