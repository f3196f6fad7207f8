import type { EntityManager } from 'typeorm';
import type { OutboxWriter, TransactionHooks } from '@omni/persistence';
import { lockForCommit, passBeforeCommit, type EngineContext } from './engine';
import { Reasons } from '@omni/contracts';
import { notify, OfferStatus, publishOffer, publishResolved } from './events';
import { schemaOf, type ConversationRow } from './store';

/** Weight of the newest handle time in a queue's running average (estimated waits). */
const HANDLE_EWMA = 0.2;

export interface Resolution {
  agentId: string | null;
  handleMs: number;
  resolvedAt: Date;
}

/**
 * Resolves a conversation: the agent's load drops with it (load is computed from what they hold),
 * omni.conversation.resolved.v1 goes out, the queue's handle-time average learns, and a matching
 * pass hands the freed room to the queue in the same transaction.
 *
 * Call with the conversation's row locked (FOR UPDATE), not with the assignment lock: freeing room
 * never breaks an invariant, so the lock is taken only just before the commit, for the queue
 * statistics (a row passes also write) and the pass. Resolves were the most frequent holders of
 * the lock, and held it for their whole transaction (docs/assignment.md, "Locking").
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
  await manager.query(
    `UPDATE "${s}".conversation_assignments SET state = 'resolved', resolved_at = $2, resolution = $3, offered_at = NULL, offer_expires_at = NULL,
       agent_id = $4, next_response_due = NULL, published_position = NULL WHERE conversation_id = $1`,
    [row.conversation_id, now, resolution, agentId],
  );
  // An open offer ends with the conversation: the agent's desk and CRMs see it withdrawn, not hanging.
  if (row.state === 'offered' && row.agent_id) {
    publishOffer(outbox, row, row.agent_id, OfferStatus.WITHDRAWN, [{ rule: Reasons.offerWithdrawn.rule, detail: 'the conversation was resolved while the offer was open' }], now, null);
  }
  publishResolved(outbox, row, agentId, resolution, now, handleMs);
  if (row.agent_id) await notify(manager, { agentId: row.agent_id, kind: 'resolved', conversationId: row.conversation_id, data: { resolution } });
  if (agentId) {
    // The queue row is also written by passes (under the lock): write it under the lock too, so
    // the two never wait on each other in opposite orders.
    hooks.beforeCommit(`assignment.handle-time:${row.conversation_id}`, async () => {
      await lockForCommit(manager, outbox);
      await manager.query(
        `INSERT INTO "${s}".queues (name, strategy, avg_handle_ms) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET avg_handle_ms = CASE WHEN queues.avg_handle_ms IS NULL THEN EXCLUDED.avg_handle_ms
           ELSE round(queues.avg_handle_ms * (1 - ${HANDLE_EWMA}) + EXCLUDED.avg_handle_ms * ${HANDLE_EWMA})::int END`,
        [row.queue, ctx.settings.defaultStrategy, Math.min(handleMs, 2_000_000_000)],
      );
    });
  }
  passBeforeCommit(manager, outbox, hooks, ctx.settings, clock);
  return { agentId, handleMs, resolvedAt: now };
}
