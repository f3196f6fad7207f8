import type { EntityManager } from 'typeorm';
import type { OutboxWriter, TransactionHooks } from '@omni/persistence';
import { passBeforeCommit, type EngineContext } from './engine';
import { MAX_HANDLE_MS } from './handle-times';
import { Reasons } from '@omni/contracts';
import { notify, OfferStatus, publishOffer, publishResolved } from './events';
import { schemaOf, type ConversationRow } from './store';

export interface Resolution {
  agentId: string | null;
  handleMs: number;
  resolvedAt: Date;
  /** The conversation's queue asks for a CSAT survey after a resolution. */
  csatWanted: boolean;
}

/**
 * Resolves a conversation: the agent's load drops with it (load is computed from what they hold),
 * omni.conversation.resolved.v1 goes out, the handle time is recorded for the queue's average, and
 * a matching pass hands the freed room to the queue in the same transaction when anyone waits.
 *
 * Call with the conversation's row locked (FOR UPDATE), not with the assignment lock: freeing room
 * never breaks an invariant, so the lock is taken only just before the commit, shared when nobody
 * waits (passBeforeCommit, onlyFreesRoom). Resolves were the most frequent requests for the lock
 * (docs/assignment.md, "Locking").
 */
export async function resolveConversation(
  manager: EntityManager,
  outbox: OutboxWriter,
  hooks: TransactionHooks,
  row: ConversationRow,
  resolution: string | null,
  ctx: EngineContext,
  /** The clock the pass reads when it runs: after waiting for the lock, `ctx.now` is in the past. */
  clock: () => Date,
): Promise<Resolution> {
  const s = schemaOf(manager);
  const { now } = ctx;
  const agentId = row.state === 'assigned' ? row.agent_id : null;
  const handleMs = agentId && row.assigned_at ? Math.max(0, now.getTime() - row.assigned_at.getTime()) : 0;
  // The handle time is appended for the sweep to fold into the queue's average (handle-times.ts):
  // a shared row updated here would need the assignment lock. The queue's CSAT setting comes back
  // with it, for the survey that may follow: one round trip instead of two.
  const [queue] = (await manager.query(
    `WITH resolved AS (UPDATE "${s}".conversation_assignments SET state = 'resolved', resolved_at = $2, resolution = $3, offered_at = NULL, offer_expires_at = NULL,
       agent_id = $4, next_response_due = NULL, published_position = NULL WHERE conversation_id = $1 RETURNING queue),
     timed AS (INSERT INTO "${s}".handle_times (queue, handle_ms) SELECT queue, $5 FROM resolved WHERE $4::text IS NOT NULL)
     SELECT COALESCE(q.csat, false) AS csat FROM resolved r LEFT JOIN "${s}".queues q ON q.name = r.queue`,
    [row.conversation_id, now, resolution, agentId, Math.min(handleMs, MAX_HANDLE_MS)],
  )) as Array<{ csat: boolean }>;
  // An open offer ends with the conversation: the agent's desk and CRMs see it withdrawn, not hanging.
  if (row.state === 'offered' && row.agent_id) {
    publishOffer(outbox, row, row.agent_id, OfferStatus.WITHDRAWN, [{ rule: Reasons.offerWithdrawn.rule, detail: 'the conversation was resolved while the offer was open' }], now, null);
  }
  publishResolved(outbox, row, agentId, resolution, now, handleMs);
  if (row.agent_id) notify(manager, outbox, { agentId: row.agent_id, kind: 'resolved', conversationId: row.conversation_id, data: { resolution } });
  passBeforeCommit(manager, outbox, hooks, ctx.settings, clock, { onlyFreesRoom: true });
  return { agentId, handleMs, resolvedAt: now, csatWanted: queue?.csat === true };
}
