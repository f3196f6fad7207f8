import type { EntityManager } from 'typeorm';
import { channelSlug, ConversationRoutedSchema, create, CustomerRefSchema, timestampDate, toBinary, type Channel, type ConversationRouted, type CustomerRef } from '@omni/contracts';
import type { OutboxWriter, TransactionHooks } from '@omni/persistence';
import type { AssignmentSettings } from '../settings';
import { surveyOf } from './csat';
import { passBeforeCommit, type ScheduledPass } from './engine';
import { addPendingIntake, type Intake } from './intakes';
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

/** The row intake writes for a routing decision: the conversation queued afresh as of `now`. */
function intakeOf(routed: ConversationRouted, queue: QueueRow | undefined, settings: AssignmentSettings, now: Date): Intake {
  const routedAt = routed.routedAt ? timestampDate(routed.routedAt) : now;
  const firstTargetMs = routed.firstResponseTargetSeconds > 0 ? routed.firstResponseTargetSeconds * 1000 : (queue?.first_response_ms ?? settings.firstResponseMs);
  return {
    conversationId: routed.conversationId,
    queue: routed.queue || 'default',
    priority: routed.priority,
    channel: routed.channel,
    contactId: routed.contactId,
    routedAt,
    replyDeadline: routed.replyDeadline ? timestampDate(routed.replyDeadline) : null,
    weight: weightOf(routed.channel, routed.priority, settings),
    rank: rankOf(routed.priority, routed.escalated, 0),
    escalated: routed.escalated,
    language: routed.language,
    requiredSkills: parseSkills(routed.requiredSkills),
    customerRef: Buffer.from(toBinary(CustomerRefSchema, customerRefFor(routed))),
    handoffContext: Object.fromEntries(Object.entries(routed.handoffContext).slice(0, 50)),
    accountId: routed.accountId || routed.customerRef?.accountId || '',
    channelUserId: routed.customer?.channelUserId || routed.customerRef?.channelUserId || '',
    messageId: routed.messageId,
    firstResponseDue: firstTargetMs > 0 ? new Date(routedAt.getTime() + firstTargetMs) : null,
    routingReasons: routed.reasons.slice(0, 20).map((r) => ({ rule: r.rule.slice(0, 200), detail: r.detail.slice(0, 500) })),
  };
}

/**
 * Records a routed conversation as queued (a new one, or a resolved one that reopened). Returns
 * false when the conversation is already open here (a redelivered or repeated routing decision).
 * `existing` is the conversation's row as the caller read it in this transaction.
 *
 * The row is written with the transaction's other intakes in one statement before its matching
 * pass (addPendingIntake): a consumed batch of N decisions costs one round trip for them, not N.
 */
function intake(
  manager: EntityManager,
  hooks: TransactionHooks,
  routed: ConversationRouted,
  existing: ConversationRow | undefined,
  queue: QueueRow | undefined,
  settings: AssignmentSettings,
  now: Date,
): boolean {
  if (existing && existing.state !== 'resolved') return false;
  addPendingIntake(manager, hooks, intakeOf(routed, queue, settings, now));
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
  /**
   * How the conversation is read (a consumed batch reads all of its conversations at once). It must
   * see the transaction's pending intake of the conversation, as findConversation and
   * readConversation do: a second routing of it in the transaction is then 'already-open'.
   */
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
  if (!intake(manager, hooks, routed, existing, queues.get(routed.queue || 'default'), settings, now())) return { outcome: 'already-open' };
  return { outcome: 'queued', pass: passBeforeCommit(manager, outbox, hooks, settings, now) };
}
