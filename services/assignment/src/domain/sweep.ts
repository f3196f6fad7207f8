import type { EntityManager } from 'typeorm';
import { Reasons } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { endOffer, pass, requeue, type EngineContext } from './engine';
import { notify, OfferStatus, publishSla, SlaKind, SlaStatus } from './events';
import { foldQueueHandleTimes } from './handle-times';
import { setPresence } from './presence';
import { SLA_BREACH_BOOST } from './matching';
import { loadAgents, loadQueues, schemaOf, type ConversationRow } from './store';
import { observations } from './observations';

/** Most rows one sweep step handles; the rest wait for the next tick (bounded work per transaction). */
const STEP_LIMIT = 500;

export interface SweepResult {
  heartbeatMissed: number;
  requeued: number;
  offersExpired: number;
  slaWarnings: number;
  slaBreaches: number;
  assigned: number;
}

/**
 * Everything time does, in one transaction under the assignment lock: agents whose heartbeat
 * stopped go offline; agents offline past the grace period lose their conversations to the queue;
 * unanswered offers expire; SLA targets warn and breach; then a matching pass (the periodic retry).
 * Rows are claimed FOR UPDATE SKIP LOCKED: a row an in-flight command holds (a resolve locks its
 * row before it takes the assignment lock) is left to the next tick instead of waited for, so the
 * sweep, which holds the assignment lock, never closes a lock cycle with such a command.
 * It reads the rows as written: its transaction routes nothing, and taking the lock
 * (lockAssignments) writes any intake pending in a transaction first.
 */
export async function sweep(manager: EntityManager, outbox: OutboxWriter, ctx: EngineContext): Promise<SweepResult> {
  const s = schemaOf(manager);
  const { now, settings } = ctx;
  const result: SweepResult = { heartbeatMissed: 0, requeued: 0, offersExpired: 0, slaWarnings: 0, slaBreaches: 0, assigned: 0 };

  const silentSince = new Date(now.getTime() - settings.heartbeatTimeoutMs);
  for (const agent of settings.heartbeatTimeoutMs > 0 ? await loadAgents(manager) : []) {
    if (agent.status === 'offline' || (agent.last_heartbeat_at ?? agent.updated_at).getTime() > silentSince.getTime()) continue;
    await setPresence(manager, outbox, agent, 'offline', ctx, Reasons.heartbeatMissed.rule);
    result.heartbeatMissed++;
  }

  const orphans = (await manager.query(
    `SELECT c.* FROM "${s}".conversation_assignments c JOIN "${s}".agents a ON a.id = c.agent_id
      WHERE c.state = 'assigned' AND a.status = 'offline' AND a.offline_since <= $1 ORDER BY c.conversation_id LIMIT ${STEP_LIMIT} FOR UPDATE OF c SKIP LOCKED`,
    [new Date(now.getTime() - settings.requeueGraceMs)],
  )) as ConversationRow[];
  for (const row of orphans) {
    await requeue(manager, row, Reasons.agentOfflineRequeue.rule);
    notify(manager, outbox, { agentId: row.agent_id!, kind: 'requeued', conversationId: row.conversation_id, data: { reason: Reasons.agentOfflineRequeue.rule } });
    result.requeued++;
  }

  const expired = (await manager.query(`SELECT * FROM "${s}".conversation_assignments WHERE state = 'offered' AND offer_expires_at <= $1 ORDER BY offer_expires_at LIMIT ${STEP_LIMIT} FOR UPDATE SKIP LOCKED`, [now])) as ConversationRow[];
  for (const row of expired) {
    await endOffer(manager, outbox, row, OfferStatus.EXPIRED, now);
    result.offersExpired++;
  }

  const sla = await slaStep(manager, outbox, ctx);
  result.slaWarnings = sla.warnings;
  result.slaBreaches = sla.breaches;
  // Before the pass: the queued positions it republishes carry waits estimated from these averages.
  await foldQueueHandleTimes(manager, settings.defaultStrategy);
  result.assigned = await pass(manager, outbox, ctx);
  return result;
}

/**
 * When the sweep next has something to do, from the same conditions it acts on: the earliest
 * heartbeat deadline of an online agent, grace end of an offline agent still holding conversations,
 * offer expiry, SLA warning or breach time (warnings at the queue's ratio of the target); "now"
 * while conversations wait in a queue (the periodic pass is their retry). Null: nothing is due.
 */
export async function nextSweepDue(manager: EntityManager, ctx: EngineContext): Promise<Date | null> {
  const s = schemaOf(manager);
  const { now, settings } = ctx;
  const [row] = (await manager.query(
    `SELECT LEAST(
       CASE WHEN $2::float8 > 0 THEN (SELECT min(COALESCE(last_heartbeat_at, updated_at)) FROM "${s}".agents WHERE status <> 'offline') + $2::float8 * interval '1 millisecond' END,
       (SELECT min(a.offline_since) FROM "${s}".agents a WHERE a.status = 'offline'
           AND EXISTS (SELECT 1 FROM "${s}".conversation_assignments c WHERE c.agent_id = a.id AND c.state = 'assigned')) + $3::float8 * interval '1 millisecond',
       (SELECT min(offer_expires_at) FROM "${s}".conversation_assignments WHERE state = 'offered'),
       (SELECT $1::timestamptz FROM "${s}".conversation_assignments WHERE state = 'queued' LIMIT 1),
       (SELECT min(LEAST(
           CASE WHEN c.first_responded_at IS NULL AND c.first_response_due IS NOT NULL AND NOT ('first-breached' = ANY(c.sla_warned)) THEN
             CASE WHEN $4::float8 > 0 AND NOT ('first-warned' = ANY(c.sla_warned)) THEN c.since + (c.first_response_due - c.since) * $4::float8 ELSE c.first_response_due END
           END,
           CASE WHEN c.next_response_due IS NOT NULL AND NOT ('next-breached' = ANY(c.sla_warned)) THEN
             CASE WHEN $4::float8 > 0 AND NOT ('next-warned' = ANY(c.sla_warned))
               THEN c.next_response_due - (1 - $4::float8) * COALESCE(q.next_response_ms, $5::float8) * interval '1 millisecond' ELSE c.next_response_due END
           END))
          FROM "${s}".conversation_assignments c LEFT JOIN "${s}".queues q ON q.name = c.queue
         WHERE c.state IN ('queued', 'offered', 'assigned'))
     ) AS due`,
    [now, settings.heartbeatTimeoutMs, settings.requeueGraceMs, settings.slaWarningRatio, settings.nextResponseMs],
  )) as Array<{ due: Date | null }>;
  return row?.due ?? null;
}

async function slaStep(manager: EntityManager, outbox: OutboxWriter, ctx: EngineContext): Promise<{ warnings: number; breaches: number }> {
  const s = schemaOf(manager);
  const { now, settings } = ctx;
  const queues = await loadQueues(manager);
  const ratio = settings.slaWarningRatio;
  const out = { warnings: 0, breaches: 0 };
  // Candidates: an open first-response clock in its warning zone or past due and not yet flagged, or
  // an open next-response clock not yet breached; earliest due first, so a bounded step never
  // starves the clocks that matter now behind ones that are far from due.
  const rows = (await manager.query(
    `SELECT * FROM "${s}".conversation_assignments WHERE state IN ('queued', 'offered', 'assigned') AND (
       (first_responded_at IS NULL AND first_response_due IS NOT NULL AND NOT ('first-breached' = ANY(sla_warned))
         AND (first_response_due <= $1::timestamptz OR ($2::float8 > 0 AND NOT ('first-warned' = ANY(sla_warned)) AND since + (first_response_due - since) * $2::float8 <= $1::timestamptz)))
       OR (next_response_due IS NOT NULL AND NOT ('next-breached' = ANY(sla_warned))))
     ORDER BY LEAST(CASE WHEN first_responded_at IS NULL THEN first_response_due END, next_response_due) LIMIT ${STEP_LIMIT} FOR UPDATE SKIP LOCKED`,
    [now, ratio],
  )) as ConversationRow[];
  for (const row of rows) {
    const queue = queues.get(row.queue);
    const clocks: Array<{ kind: SlaKind; tag: string; due: Date; start: Date }> = [];
    if (!row.first_responded_at && row.first_response_due) clocks.push({ kind: SlaKind.FIRST_RESPONSE, tag: 'first', due: row.first_response_due, start: row.since });
    if (row.next_response_due) {
      const target = queue?.next_response_ms ?? settings.nextResponseMs;
      clocks.push({ kind: SlaKind.NEXT_RESPONSE, tag: 'next', due: row.next_response_due, start: new Date(row.next_response_due.getTime() - target) });
    }
    for (const c of clocks) {
      const breached = now.getTime() >= c.due.getTime();
      const warnAt = c.start.getTime() + ratio * (c.due.getTime() - c.start.getTime());
      if (breached && !row.sla_warned.includes(`${c.tag}-breached`)) {
        // A breach raises the priority; still queued, it moves to the overflow queue when there is one.
        const overflow = row.state === 'queued' && queue?.overflow_queue && queue.overflow_queue !== row.queue ? queue.overflow_queue : '';
        await manager.query(
          `UPDATE "${s}".conversation_assignments SET rank = rank + ${SLA_BREACH_BOOST}, sla_breaches = sla_breaches + 1,
             sla_warned = array_append(sla_warned, $2), queue = COALESCE(NULLIF($3, ''), queue), published_position = CASE WHEN $3 = '' THEN published_position ELSE NULL END
           WHERE conversation_id = $1`,
          [row.conversation_id, `${c.tag}-breached`, overflow],
        );
        const after = { ...row, rank: row.rank + SLA_BREACH_BOOST, queue: overflow || row.queue };
        const reasons = [{ rule: Reasons.slaBreached.rule, detail: `${c.tag}-response target missed; priority raised by ${SLA_BREACH_BOOST}` }];
        if (overflow) reasons.push({ rule: `overflow:${overflow}`, detail: `moved from ${row.queue}` });
        publishSla(outbox, after, c.kind, SlaStatus.BREACHED, c.due, now, reasons, overflow);
        observations().slaBreached(row.queue, c.tag);
        notify(manager, outbox, { agentId: row.agent_id ?? '', kind: 'sla', conversationId: row.conversation_id, data: { kind: c.tag, status: 'breached', dueAt: c.due.toISOString() } });
        row.sla_warned = [...row.sla_warned, `${c.tag}-breached`];
        out.breaches++;
      } else if (!breached && ratio > 0 && now.getTime() >= warnAt && !row.sla_warned.includes(`${c.tag}-warned`) && !row.sla_warned.includes(`${c.tag}-breached`)) {
        await manager.query(`UPDATE "${s}".conversation_assignments SET sla_warned = array_append(sla_warned, $2) WHERE conversation_id = $1`, [row.conversation_id, `${c.tag}-warned`]);
        publishSla(outbox, row, c.kind, SlaStatus.WARNING, c.due, now, [{ rule: Reasons.slaWarning.rule, detail: `${c.tag}-response due at ${c.due.toISOString()}` }]);
        notify(manager, outbox, { agentId: row.agent_id ?? '', kind: 'sla', conversationId: row.conversation_id, data: { kind: c.tag, status: 'warning', dueAt: c.due.toISOString() } });
        out.warnings++;
      }
    }
  }
  return out;
}
