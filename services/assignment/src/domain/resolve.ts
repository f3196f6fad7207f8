import type { EntityManager } from 'typeorm';
import type { OutboxWriter, TransactionHooks } from '@omni/persistence';
import { passBeforeCommit, type EngineContext } from './engine';
import { MAX_HANDLE_MS } from './handle-times';
import { Reasons } from '@omni/contracts';
import { notify, OfferStatus, publishOffer, publishResolved } from './events';
import { writePendingIntakes } from './intakes';
import { schemaOf, type ConversationRow } from './store';

export interface Resolution {
  agentId: string | null;
  handleMs: number;
  resolvedAt: Date;
  /** The conversation's queue asks for a CSAT survey after a resolution. */
  csatWanted: boolean;
}

/** What resolveConversation found, and did. */
export interface ResolveResult {
  /** The conversation's row as it was before (locked FOR UPDATE). */
  before: ConversationRow;
  /** What the resolve did; null when the conversation was resolved (or parked) already. */
  resolved: Resolution | null;
}

/**
 * Resolves a conversation: the agent's load drops with it (load is computed from what they hold),
 * omni.conversation.resolved.v1 goes out, the handle time is recorded for the queue's average, and
 * a matching pass hands the freed room to the queue in the same transaction when anyone waits.
 * Undefined when assignment never saw the conversation.
 *
 * One statement locks the row (FOR UPDATE: two commands on one conversation go one after the
 * other), resolves it unless it is closed, and returns it as it was with its queue's CSAT setting.
 * `check` then sees that row and may refuse (by throwing, which rolls the resolve back): callers'
 * rules about who may resolve what need the row, and a refusal is rare, so it costs a rollback
 * rather than a round trip on every resolve. Publishing comes after it.
 *
 * Not with the assignment lock: freeing room never breaks an invariant, so the lock is taken only
 * just before the commit, shared when nobody waits (passBeforeCommit, onlyFreesRoom). Resolves were
 * the most frequent requests for the lock (docs/assignment.md, "Locking").
 */
export async function resolveConversation(
  manager: EntityManager,
  outbox: OutboxWriter,
  hooks: TransactionHooks,
  conversationId: string,
  resolution: string | null,
  ctx: EngineContext,
  /** The clock the pass reads when it runs: after waiting for the lock, `ctx.now` is in the past. */
  clock: () => Date,
  check: (before: ConversationRow) => void = () => undefined,
): Promise<ResolveResult | undefined> {
  const s = schemaOf(manager);
  const { now } = ctx;
  await writePendingIntakes(manager, [conversationId]);
  const [found] = (await manager.query(
    `WITH before AS MATERIALIZED (SELECT * FROM "${s}".conversation_assignments WHERE conversation_id = $1 FOR UPDATE),
     resolved AS (UPDATE "${s}".conversation_assignments c SET state = 'resolved', resolved_at = $2, resolution = $3, offered_at = NULL, offer_expires_at = NULL,
         agent_id = CASE WHEN b.state = 'assigned' THEN b.agent_id END, next_response_due = NULL, published_position = NULL
       FROM before b WHERE c.conversation_id = b.conversation_id AND b.state NOT IN ('resolved', 'parked') RETURNING 1)
     SELECT b.*, EXISTS (SELECT 1 FROM resolved) AS resolved_now, COALESCE(q.csat, false) AS csat_wanted FROM before b LEFT JOIN "${s}".queues q ON q.name = b.queue`,
    [conversationId, now, resolution],
  )) as Array<ConversationRow & { resolved_now: boolean; csat_wanted: boolean }>;
  if (!found) return undefined;
  const { resolved_now: resolvedNow, csat_wanted: csatWanted, ...row } = found;
  const before = row as ConversationRow;
  check(before);
  if (!resolvedNow) return { before, resolved: null };
  const agentId = before.state === 'assigned' ? before.agent_id : null;
  const handleMs = agentId && before.assigned_at ? Math.max(0, now.getTime() - before.assigned_at.getTime()) : 0;
  // The handle time is appended for the sweep to fold into the queue's average (handle-times.ts):
  // a shared row updated here would need the assignment lock. Nothing reads it before the commit,
  // so it rides in the statement that writes the outbox rows.
  if (agentId) outbox.addWrite((bind) => `INSERT INTO "${s}".handle_times (queue, handle_ms) VALUES (${bind(before.queue)}, ${bind(Math.min(handleMs, MAX_HANDLE_MS))})`);
  // An open offer ends with the conversation: the agent's desk and CRMs see it withdrawn, not hanging.
  if (before.state === 'offered' && before.agent_id) {
    publishOffer(outbox, before, before.agent_id, OfferStatus.WITHDRAWN, [{ rule: Reasons.offerWithdrawn.rule, detail: 'the conversation was resolved while the offer was open' }], now, null);
  }
  publishResolved(outbox, before, agentId, resolution, now, handleMs);
  if (before.agent_id) notify(manager, outbox, { agentId: before.agent_id, kind: 'resolved', conversationId: before.conversation_id, data: { resolution } });
  passBeforeCommit(manager, outbox, hooks, ctx.settings, clock, { onlyFreesRoom: true });
  return { before, resolved: { agentId, handleMs, resolvedAt: now, csatWanted } };
}
