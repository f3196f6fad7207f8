import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, schemaOf, writeBufferOf, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import type { SkillRequirement } from './matching';

/** A routed conversation as intake writes it: queued afresh, with the routing decision's facts. */
export interface Intake {
  conversationId: string;
  queue: string;
  priority: number;
  channel: number;
  contactId: string;
  routedAt: Date;
  replyDeadline: Date | null;
  weight: number;
  rank: number;
  escalated: boolean;
  language: string;
  requiredSkills: SkillRequirement[];
  customerRef: Buffer;
  handoffContext: Record<string, string>;
  accountId: string;
  channelUserId: string;
  messageId: string;
  firstResponseDue: Date | null;
  routingReasons: Array<{ rule: string; detail: string }>;
}

/**
 * Intakes in one statement, whatever their number: each conversation inserted, or its row (a
 * resolved conversation that reopens) reset to queued with everything of its previous life cleared.
 * An upsert may touch a row only once, so no conversation may come twice (addPendingIntake makes
 * sure). Rows are taken in conversation order, so that two transactions writing rows they share
 * lock them in the same order instead of deadlocking.
 */
async function upsertIntakes(manager: EntityManager, intakes: readonly Intake[]): Promise<void> {
  if (!intakes.length) return;
  const column = <T>(pick: (i: Intake) => T): T[] => intakes.map(pick);
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".conversation_assignments (conversation_id, state, agent_id, queue, priority, channel, contact_id, routed_at,
       reply_deadline, assigned_at, resolved_at, resolution, weight, rank, escalated, language, required_skills, customer_ref, handoff_context,
       account_id, channel_user_id, message_id, excluded_agents, published_position, first_response_due, first_responded_at, next_response_due,
       sla_warned, sla_breaches, previous_agent_id, since, queue_reason, offered_at, offer_expires_at, routing_reasons)
     SELECT conversation_id, 'queued', NULL, queue, priority, channel, contact_id, routed_at, reply_deadline, NULL, NULL, NULL, weight, rank, escalated,
       language, required_skills, customer_ref, handoff_context, account_id, channel_user_id, message_id, '{}'::text[], NULL, first_response_due, NULL, NULL,
       '{}'::text[], 0, NULL, routed_at, '', NULL, NULL, routing_reasons
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::int[], $9::int[], $10::boolean[],
                   $11::text[], $12::jsonb[], $13::bytea[], $14::jsonb[], $15::text[], $16::text[], $17::text[], $18::timestamptz[], $19::jsonb[])
         AS t(conversation_id, queue, priority, channel, contact_id, routed_at, reply_deadline, weight, rank, escalated, language, required_skills,
              customer_ref, handoff_context, account_id, channel_user_id, message_id, first_response_due, routing_reasons)
      ORDER BY conversation_id
     ON CONFLICT (conversation_id) DO UPDATE SET state = 'queued', agent_id = NULL, queue = EXCLUDED.queue, priority = EXCLUDED.priority,
       channel = EXCLUDED.channel, contact_id = EXCLUDED.contact_id, routed_at = EXCLUDED.routed_at, reply_deadline = EXCLUDED.reply_deadline,
       assigned_at = NULL, resolved_at = NULL, resolution = NULL, weight = EXCLUDED.weight, rank = EXCLUDED.rank, escalated = EXCLUDED.escalated,
       language = EXCLUDED.language, required_skills = EXCLUDED.required_skills, customer_ref = EXCLUDED.customer_ref,
       handoff_context = EXCLUDED.handoff_context, account_id = EXCLUDED.account_id, channel_user_id = EXCLUDED.channel_user_id,
       message_id = EXCLUDED.message_id, excluded_agents = '{}', published_position = NULL, first_response_due = EXCLUDED.first_response_due,
       first_responded_at = NULL, next_response_due = NULL, sla_warned = '{}', sla_breaches = 0, previous_agent_id = NULL, since = EXCLUDED.since,
       queue_reason = '', offered_at = NULL, offer_expires_at = NULL, routing_reasons = EXCLUDED.routing_reasons`,
    [
      column((i) => i.conversationId),
      column((i) => i.queue),
      column((i) => i.priority),
      column((i) => i.channel),
      column((i) => i.contactId),
      column((i) => i.routedAt),
      column((i) => i.replyDeadline),
      column((i) => i.weight),
      column((i) => i.rank),
      column((i) => i.escalated),
      column((i) => i.language),
      column((i) => JSON.stringify(i.requiredSkills)),
      column((i) => i.customerRef),
      column((i) => JSON.stringify(i.handoffContext)),
      column((i) => i.accountId),
      column((i) => i.channelUserId),
      column((i) => i.messageId),
      column((i) => i.firstResponseDue),
      column((i) => JSON.stringify(i.routingReasons)),
    ],
  );
}

/** What a pending intake is found by: its conversation id, lower-cased (the same UUID may come in either case). */
const intakeKey = (conversationId: string): string => conversationId.toLowerCase();

/**
 * The conversations a transaction queued and has not written yet: written together just before
 * its matching pass (a consumed batch of N routing decisions costs one statement instead of N), or
 * earlier, by whatever reads or writes one of their rows, or takes the assignment lock, first.
 *
 * A conversation is never pending twice: routeIn reads a conversation's row before queueing it,
 * and that read writes the conversation's pending intake first (findConversation), so a second
 * routing of it in the same transaction finds it open ('already-open') as it would one by one.
 */
function pendingIntakesOf(manager: EntityManager, hooks: TransactionHooks): WriteBuffer<Intake> {
  return writeBufferOf(hooks, 'assignment.intakes', (intakes: Intake[]) => upsertIntakes(manager, intakes), (intake) => [intakeKey(intake.conversationId)]);
}

/** Queues a conversation's intake in the transaction's pending intakes. */
export function addPendingIntake(manager: EntityManager, hooks: TransactionHooks, intake: Intake): void {
  const pending = pendingIntakesOf(manager, hooks);
  // The statement could not apply both, and the second one means its read missed the first.
  if (pending.holds(intakeKey(intake.conversationId))) throw new Error(`conversation ${intake.conversationId} queued twice before its intake was written: read it with findConversation first`);
  pending.add(intake);
}

/** Whether the transaction's pending intakes hold one of this conversation. */
export function isIntakePending(manager: EntityManager, hooks: TransactionHooks, conversationId: string): boolean {
  return pendingIntakesOf(manager, hooks).holds(intakeKey(conversationId));
}

/**
 * Writes the caller's transaction's pending intakes now if one is of these conversations (their
 * rows are read or written next), or all of them when none is named. Nothing outside a unit of
 * work: intakes are pending only inside one.
 */
export async function writePendingIntakes(manager: EntityManager, conversationIds?: readonly string[]): Promise<void> {
  const hooks = currentTransactionHooks();
  if (!hooks) return;
  const pending = pendingIntakesOf(manager, hooks);
  if (conversationIds) await pending.flushIfHolds(...conversationIds.map(intakeKey));
  else await pending.flush();
}
