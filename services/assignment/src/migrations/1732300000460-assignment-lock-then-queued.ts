import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a pass takes the assignment lock and reads the queue in one round trip (domain/engine.ts,
 * lockAndLoadQueued): the round trip between being granted the lock and the first read would be
 * one every other transaction waits for. The read must see what committed while the lock was
 * awaited, so it cannot share a statement's snapshot with the lock; a VOLATILE PL/pgSQL function
 * takes a fresh snapshot for each of its queries (READ COMMITTED), as share_lock_if_nobody_waits
 * does (1732300000450).
 *
 * Full rows in the queue's order (the twin of QUEUE_ORDER_SQL); the caller picks its columns, so
 * the function follows the table when columns are added.
 */
export class AssignmentLockThenQueued1732300000460 implements MigrationInterface {
  name = 'AssignmentLockThenQueued1732300000460';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE FUNCTION "${s}".lock_then_queued(lock_key text, max_rows int) RETURNS SETOF "${s}".conversation_assignments LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(lock_key, 0));
        RETURN QUERY SELECT * FROM "${s}".conversation_assignments WHERE state = 'queued'
          ORDER BY rank DESC, reply_deadline ASC NULLS LAST, since ASC, conversation_id ASC LIMIT max_rows;
      END
    $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP FUNCTION IF EXISTS "${s}".lock_then_queued(text, int)`);
  }
}
