import type { EntityManager } from 'typeorm';
import type { OutboxWriter } from '@omni/persistence';
import { pass, type EngineContext } from './engine';
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
 * pass hands the freed room to the queue in the same transaction. Call with the assignment lock.
 */
export async function resolveConversation(manager: EntityManager, outbox: OutboxWriter, row: ConversationRow, resolution: string | null, ctx: EngineContext): Promise<Resolution> {
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
    await manager.query(
      `INSERT INTO "${s}".queues (name, strategy, avg_handle_ms) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET avg_handle_ms = CASE WHEN queues.avg_handle_ms IS NULL THEN EXCLUDED.avg_handle_ms
         ELSE round(queues.avg_handle_ms * (1 - ${HANDLE_EWMA}) + EXCLUDED.avg_handle_ms * ${HANDLE_EWMA})::int END`,
      [row.queue, ctx.settings.defaultStrategy, Math.min(handleMs, 2_000_000_000)],
    );
  }
  await pass(manager, outbox, ctx);
  return { agentId, handleMs, resolvedAt: now };
}
