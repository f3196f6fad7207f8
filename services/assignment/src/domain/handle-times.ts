import type { EntityManager } from 'typeorm';
import { loadQueues, schemaOf } from './store';

/** Weight of the newest handle time in a queue's running average (estimated waits). */
export const HANDLE_EWMA = 0.2;

/** Handle times folded per sweep at most: a bounded statement, the rest waits for the next sweep. */
export const HANDLE_TIMES_PER_FOLD = 5_000;

/** Handle times are stored as int milliseconds (about 23 days); longer ones count as that. */
export const MAX_HANDLE_MS = 2_000_000_000;

/**
 * The running average after these handle times, oldest first: each moves the average by
 * HANDLE_EWMA of the difference; the first one a queue ever had starts it.
 */
export function foldHandleTimes(average: number | null, handleTimes: readonly number[]): number | null {
  let folded = average;
  for (const ms of handleTimes) folded = folded === null ? ms : folded * (1 - HANDLE_EWMA) + ms * HANDLE_EWMA;
  return folded === null ? null : Math.round(folded);
}

/**
 * Moves the handle times resolves appended (oldest first, at most HANDLE_TIMES_PER_FOLD) into
 * their queues' averages, and deletes them. Call with the assignment lock held: passes write the
 * queues table under it. Returns how many it folded.
 */
export async function foldQueueHandleTimes(manager: EntityManager, defaultStrategy: string): Promise<number> {
  const s = schemaOf(manager);
  const taken = (await manager.query(
    `WITH taken AS (DELETE FROM "${s}".handle_times WHERE id IN (SELECT id FROM "${s}".handle_times ORDER BY id LIMIT ${HANDLE_TIMES_PER_FOLD}) RETURNING id, queue, handle_ms)
     SELECT queue, handle_ms FROM taken ORDER BY id`,
  )) as Array<{ queue: string; handle_ms: number }>;
  if (!taken.length) return 0;
  const byQueue = new Map<string, number[]>();
  for (const { queue, handle_ms } of taken) {
    if (!byQueue.has(queue)) byQueue.set(queue, []);
    byQueue.get(queue)!.push(handle_ms);
  }
  const names = [...byQueue.keys()];
  const queues = await loadQueues(manager);
  const folded = names.map((name) => foldHandleTimes(queues.get(name)?.avg_handle_ms ?? null, byQueue.get(name)!)!);
  await manager.query(
    `INSERT INTO "${s}".queues (name, strategy, avg_handle_ms) SELECT name, $2, avg FROM unnest($1::text[], $3::int[]) AS v(name, avg)
     ON CONFLICT (name) DO UPDATE SET avg_handle_ms = EXCLUDED.avg_handle_ms`,
    [names, defaultStrategy, folded],
  );
  return taken.length;
}
