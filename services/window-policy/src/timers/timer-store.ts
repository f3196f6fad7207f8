import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, schemaOf, writeBufferOf, type TransactionHooks } from '@omni/persistence';

export type TimerKind = 'window-expiring' | 'release-deferred';

export interface DueTimer {
  id: string;
  kind: TimerKind;
  subject: string;
  due_at: Date;
  payload: Record<string, string>;
  contact_id: string | null;
}

export interface NewTimer {
  kind: TimerKind;
  subject: string;
  dueAt: Date;
  payload: Record<string, string>;
  contactId?: string;
}

/**
 * Durable timers in the service's schema. There is at most one pending timer per (kind, subject):
 * scheduling again moves it. Written in the caller's transaction, so a timer exists exactly when
 * the effect that asked for it committed: inside a unit of work, together with the transaction's
 * other timers in one statement just before the commit (a consumed batch of N customer messages
 * costs one round trip for them, not N); a reader of the timers in that transaction calls
 * writePendingTimers first.
 */
export async function scheduleTimer(manager: EntityManager, timer: NewTimer): Promise<void> {
  const hooks = currentTransactionHooks();
  if (hooks) pendingTimers(manager, hooks).add(timer);
  else await insertTimers(manager, [timer]);
}

/** Writes the timers the caller's transaction has scheduled so far. */
export async function writePendingTimers(manager: EntityManager): Promise<void> {
  const hooks = currentTransactionHooks();
  if (hooks) await pendingTimers(manager, hooks).flush();
}

function pendingTimers(manager: EntityManager, hooks: TransactionHooks) {
  return writeBufferOf(hooks, 'window-policy.timers', (timers: NewTimer[]) => insertTimers(manager, timers));
}

/** Timers in one statement; of several for one (kind, subject), the last one scheduled wins. */
async function insertTimers(manager: EntityManager, timers: readonly NewTimer[]): Promise<void> {
  if (!timers.length) return;
  const column = <T>(pick: (t: NewTimer) => T): T[] => timers.map(pick);
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".timers (id, kind, subject, due_at, payload, contact_id)
     SELECT DISTINCT ON (kind, subject) id, kind, subject, due_at, payload, contact_id
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[]) WITH ORDINALITY AS t(id, kind, subject, due_at, payload, contact_id, i)
      ORDER BY kind, subject, i DESC
     ON CONFLICT (kind, subject) WHERE fired_at IS NULL DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, contact_id = EXCLUDED.contact_id`,
    [
      column(() => randomUUID()),
      column((t) => t.kind),
      column((t) => t.subject),
      column((t) => t.dueAt),
      column((t) => JSON.stringify(t.payload)),
      column((t) => t.contactId || null),
    ],
  );
}

/**
 * Claims up to `limit` due timers for this transaction: `FOR UPDATE SKIP LOCKED` means two replicas
 * polling at once take disjoint sets, and a timer is marked fired in the same transaction as the
 * outbox rows its firing writes, so it fires once even across crashes and restarts (a crash before
 * the commit leaves it pending for the next poll; after it, it is done).
 */
export async function claimDueTimers(manager: EntityManager, now: Date, firedBy: string, limit: number): Promise<DueTimer[]> {
  await writePendingTimers(manager);
  const s = schemaOf(manager);
  const due: DueTimer[] = await manager.query(
    `SELECT id, kind, subject, due_at, payload, contact_id FROM "${s}".timers
      WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  if (due.length) {
    await manager.query(`UPDATE "${s}".timers SET fired_at = $2, fired_by = $3 WHERE id = ANY($1::uuid[])`, [due.map((t) => t.id), now, firedBy]);
  }
  return due;
}

/** Fired timers are kept a while for audit, then dropped so the table stays small. */
export async function pruneFiredTimers(manager: EntityManager, before: Date): Promise<void> {
  await manager.query(`DELETE FROM "${schemaOf(manager)}".timers WHERE fired_at IS NOT NULL AND fired_at < $1`, [before]);
}

/** When the earliest pending timer is due (the partial index on due_at answers it), or null. */
export async function nextTimerDue(manager: EntityManager): Promise<Date | null> {
  await writePendingTimers(manager); // a timer this transaction scheduled counts
  const [row] = (await manager.query(`SELECT min(due_at) AS due FROM "${schemaOf(manager)}".timers WHERE fired_at IS NULL`)) as Array<{ due: Date | null }>;
  return row?.due ?? null;
}
