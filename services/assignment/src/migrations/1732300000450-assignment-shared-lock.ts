import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a resolve takes the assignment lock shared (domain/engine.ts, nobodyWaitsUnderSharedLock):
 * look at the queue, take the lock only if it is empty, look again under the lock. The second look
 * must see what committed while the lock was awaited, so it cannot share a statement's snapshot
 * with the lock; a VOLATILE PL/pgSQL function takes a fresh snapshot for each of its queries
 * (READ COMMITTED), which makes the three steps one round trip instead of two.
 *
 * Answers false (someone waits: the lock was not taken), true (taken shared, nobody waits) or
 * NULL (taken shared, but a conversation was queued while it waited: only a pass can hand it the
 * room, and the caller's transaction reruns with the lock exclusive).
 */
export class AssignmentSharedLock1732300000450 implements MigrationInterface {
  name = 'AssignmentSharedLock1732300000450';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    const queued = `SELECT 1 FROM "${s}".conversation_assignments WHERE state = 'queued'`;
    await q.query(`CREATE FUNCTION "${s}".share_lock_if_nobody_waits(lock_key text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        IF EXISTS (${queued}) THEN RETURN false; END IF;
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(lock_key, 0));
        IF EXISTS (${queued}) THEN RETURN NULL; END IF;
        RETURN true;
      END
    $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP FUNCTION IF EXISTS "${s}".share_lock_if_nobody_waits(text)`);
  }
}
