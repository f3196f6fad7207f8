import type { EntityManager } from 'typeorm';
import { channelSlug, ConversationRoutedSchema, create, CustomerRefSchema, timestampDate, toBinary, type Channel, type ConversationRouted, type CustomerRef } from '@omni/contracts';
import type { OutboxWriter, TransactionHooks } from '@omni/persistence';
import type { AssignmentSettings } from '../settings';
import { surveyOf } from './csat';
import { passBeforeCommit, type ScheduledPass } from './engine';
import { rankOf, type SkillRequirement } from './matching';
import { findConversation, queueSettings, schemaOf, type ConversationRow, type QueueRow } from './store';

const SKILL = /^([^:]{1,64})(?::([1-5]))?$/;

/** "billing" (level 1) or "billing:3" (at least level 3); malformed names are ignored, bounded to 20. */
export function parseSkills(names: readonly string[]): SkillRequirement[] {
  const out: SkillRequirement[] = [];
  for (const name of names.slice(0, 20)) {
    const m = SKILL.exec(name.trim());
    if (m) out.push({ name: m[1]!, level: m[2] ? Number(m[2]) : 1 });
  }
  return out;
}

/** Weight units a conversation takes from an agent's capacity: its channel's weight, times the VIP weight. */
export function weightOf(channel: Channel, priority: number, settings: Pick<AssignmentSettings, 'channelWeights' | 'vipWeight' | 'vipPriority'>): number {
  let slug = '';
  try {
    slug = channelSlug(channel);
  } catch {
    slug = '';
  }
  const base = settings.channelWeights[slug] ?? 1;
  return base * (priority >= settings.vipPriority ? settings.vipWeight : 1);
}

/**
 * The customer every conversation event names: the router's CustomerRef, or one built from the
 * routed event's own fields when the router sent none (so a CRM reading only assigned can still
 * name the customer).
 */
export function customerRefFor(routed: ConversationRouted): CustomerRef {
  if (routed.customerRef) return routed.customerRef;
  return create(CustomerRefSchema, { contactId: routed.contactId, channel: routed.channel, channelUserId: routed.customer?.channelUserId ?? '', accountId: routed.accountId });
}

/**
 * Records a routed conversation as queued (a new one, or a resolved one that reopened). Returns
 * false when the conversation is already open here (a redelivered or repeated routing decision).
 * `existing` is the conversation's row as the caller read it in this transaction.
 */
async function intake(
  manager: EntityManager,
  routed: ConversationRouted,
  existing: ConversationRow | undefined,
  queue: QueueRow | undefined,
  settings: AssignmentSettings,
  now: Date,
): Promise<boolean> {
  if (existing && existing.state !== 'resolved') return false;
  const routedAt = routed.routedAt ? timestampDate(routed.routedAt) : now;
  const firstTargetMs = routed.firstResponseTargetSeconds > 0 ? routed.firstResponseTargetSeconds * 1000 : (queue?.first_response_ms ?? settings.firstResponseMs);
  const handoff = Object.fromEntries(Object.entries(routed.handoffContext).slice(0, 50));
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".conversation_assignments (conversation_id, state, agent_id, queue, priority, channel, contact_id, routed_at,
       reply_deadline, assigned_at, resolved_at, resolution, weight, rank, escalated, language, required_skills, customer_ref, handoff_context,
       account_id, channel_user_id, message_id, excluded_agents, published_position, first_response_due, first_responded_at, next_response_due,
       sla_warned, sla_breaches, previous_agent_id, since, queue_reason, offered_at, offer_expires_at, routing_reasons)
     VALUES ($1, 'queued', NULL, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '{}', NULL, $18, NULL, NULL,
       '{}', 0, NULL, $6, '', NULL, NULL, $19)
     ON CONFLICT (conversation_id) DO UPDATE SET state = 'queued', agent_id = NULL, queue = EXCLUDED.queue, priority = EXCLUDED.priority,
       channel = EXCLUDED.channel, contact_id = EXCLUDED.contact_id, routed_at = EXCLUDED.routed_at, reply_deadline = EXCLUDED.reply_deadline,
       assigned_at = NULL, resolved_at = NULL, resolution = NULL, weight = EXCLUDED.weight, rank = EXCLUDED.rank, escalated = EXCLUDED.escalated,
       language = EXCLUDED.language, required_skills = EXCLUDED.required_skills, customer_ref = EXCLUDED.customer_ref,
       handoff_context = EXCLUDED.handoff_context, account_id = EXCLUDED.account_id, channel_user_id = EXCLUDED.channel_user_id,
       message_id = EXCLUDED.message_id, excluded_agents = '{}', published_position = NULL, first_response_due = EXCLUDED.first_response_due,
       first_responded_at = NULL, next_response_due = NULL, sla_warned = '{}', sla_breaches = 0, previous_agent_id = NULL, since = EXCLUDED.since,
       queue_reason = '', offered_at = NULL, offer_expires_at = NULL, routing_reasons = EXCLUDED.routing_reasons`,
    [
      routed.conversationId,
      routed.queue || 'default',
      routed.priority,
      routed.channel,
      routed.contactId,
      routedAt,
      routed.replyDeadline ? timestampDate(routed.replyDeadline) : null,
      weightOf(routed.channel, routed.priority, settings),
      rankOf(routed.priority, routed.escalated, 0),
      routed.escalated,
      routed.language,
      JSON.stringify(parseSkills(routed.requiredSkills)),
      Buffer.from(toBinary(CustomerRefSchema, customerRefFor(routed))),
      JSON.stringify(handoff),
      routed.accountId || routed.customerRef?.accountId || '',
      routed.customer?.channelUserId || routed.customerRef?.channelUserId || '',
      routed.messageId,
      firstTargetMs > 0 ? new Date(routedAt.getTime() + firstTargetMs) : null,
      JSON.stringify(routed.reasons.slice(0, 20).map((r) => ({ rule: r.rule.slice(0, 200), detail: r.detail.slice(0, 500) }))),
    ],
  );
  return true;
}

export type RouteOutcome = 'queued' | 'already-open' | 'csat-answer' | 'parked-for-csat';

/** What the routing decision became: immediately known, or queued and matched just before the commit. */
export type RouteIn = { outcome: Exclude<RouteOutcome, 'queued'> } | { outcome: 'queued'; pass: ScheduledPass };

/**
 * A routing decision. A message that answers an open CSAT survey reopens the conversation at the
 * normalizer and so is routed again; it must not become work. When it is not yet known whether the
 * message is the answer (the message and the routing decision arrive on different topics), the
 * decision is parked on the survey until the message decides (onCustomerMessage).
 *
 * Otherwise the conversation is queued, and one matching pass for the whole transaction is
 * scheduled for its end (passBeforeCommit). The conversation is read before the survey: a
 * resolution that commits between the two reads is then seen whole (conversation still open, or
 * resolved with its survey).
 */
export async function routeIn(
  manager: EntityManager,
  outbox: OutboxWriter,
  hooks: TransactionHooks,
  routed: ConversationRouted,
  settings: AssignmentSettings,
  now: () => Date,
  /** How the conversation is read (a consumed batch reads all of its conversations at once). */
  read: (conversationId: string) => Promise<ConversationRow | undefined> = (id) => findConversation(manager, id),
): Promise<RouteIn> {
  const existing = await read(routed.conversationId);
  // A survey only exists for a conversation assignment has seen: a new one skips the lookup.
  const survey = existing ? await surveyOf(manager, routed.conversationId) : undefined;
  if (survey && routed.messageId && survey.answer_message_id === routed.messageId) return { outcome: 'csat-answer' };
  if (survey?.status === 'sent' && existing?.state === 'resolved') {
    await manager.query(`UPDATE "${schemaOf(manager)}".csat_surveys SET parked_routed = $2 WHERE conversation_id = $1`, [routed.conversationId, Buffer.from(toBinary(ConversationRoutedSchema, routed))]);
    return { outcome: 'parked-for-csat' };
  }
  const queues = await queueSettings(manager);
  if (!(await intake(manager, routed, existing, queues.get(routed.queue || 'default'), settings, now()))) return { outcome: 'already-open' };
  return { outcome: 'queued', pass: passBeforeCommit(manager, outbox, hooks, settings, now) };
}
