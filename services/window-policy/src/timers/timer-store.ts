import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { schemaOf } from '@omni/persistence';

export type TimerKind = 'window-expiring' | 'release-deferred';

export interface DueTimer {
  id: string;
  kind: TimerKind;
  subject: string;
  due_at: Date;
  payload: Record<string, string>;
  contact_id: string | null;
}

/**
 * Durable timers in the service's schema. There is at most one pending timer per (kind, subject):
 * scheduling again moves it. Written in the caller's transaction, so a timer exists exactly when
 * the effect that asked for it committed.
 */
export async function scheduleTimer(
  manager: EntityManager,
  timer: { kind: TimerKind; subject: string; dueAt: Date; payload: Record<string, string>; contactId?: string },
): Promise<void> {
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".timers (id, kind, subject, due_at, payload, contact_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (kind, subject) WHERE fired_at IS NULL DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, contact_id = EXCLUDED.contact_id`,
    [randomUUID(), timer.kind, timer.subject, timer.dueAt, JSON.stringify(timer.payload), timer.contactId || null],
  );
}

/**
 * Claims up to `limit` due timers for this transaction: `FOR UPDATE SKIP LOCKED` means two replicas
 * polling at once take disjoint sets, and a timer is marked fired in the same transaction as the
 * outbox rows its firing writes, so it fires once even across crashes and restarts (a crash before
 * the commit leaves it pending for the next poll; after it, it is done).
 */
export async function claimDueTimers(manager: EntityManager, now: Date, firedBy: string, limit: number): Promise<DueTimer[]> {
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
  const [row] = (await manager.query(`SELECT min(due_at) AS due FROM "${schemaOf(manager)}".timers WHERE fired_at IS NULL`)) as Array<{ due: Date | null }>;
  return row?.due ?? null;
}
