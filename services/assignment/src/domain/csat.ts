import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { create, CsatRecorded_Status, CsatRecordedSchema, Reasons, timestampFromDate, Topics, type Message } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { lockAssignments, type EngineContext } from './engine';
import { requestOutbound } from './outbound';
import { customerRefOf, schemaOf, type ConversationRow } from './store';

export const SURVEY_TEXT = 'How did we do? Rate us from 1 (poor) to 5 (great).';
const PAYLOAD = /^csat:([1-5])$/;

/** Channel-neutral 1–5 quick replies; gateways show buttons, a list, or numbered text where a channel has neither. */
export const SURVEY_OPTIONS = [1, 2, 3, 4, 5].map((n) => ({ title: String(n), payload: `csat:${n}` }));

export interface SurveyRow {
  conversation_id: string;
  outbound_id: string;
  agent_id: string;
  queue: string;
  channel: number;
  contact_id: string;
  customer_ref: Buffer | null;
  status: 'sent' | 'answered' | 'not_sent' | 'superseded';
  detail: string;
  score: number | null;
  answer_message_id: string | null;
  parked_routed: Buffer | null;
  sent_at: Date;
  recorded_at: Date | null;
}

async function readSurvey(manager: EntityManager, conversationId: string): Promise<SurveyRow | undefined> {
  const [row] = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".csat_surveys WHERE conversation_id = $1`, [conversationId])) as SurveyRow[];
  return row;
}

/**
 * The conversation's survey. While one is out ('sent'), the routing decision and the customer's
 * message race to decide whether the message is its answer (routeIn parks the decision,
 * onCustomerMessage consumes it), so both take the assignment lock and read the survey again
 * under it: the rare survey case is serialised, the common case takes no lock.
 */
export async function surveyOf(manager: EntityManager, conversationId: string): Promise<SurveyRow | undefined> {
  const row = await readSurvey(manager, conversationId);
  if (row?.status !== 'sent') return row;
  await lockAssignments(manager);
  return readSurvey(manager, conversationId);
}

function publishCsat(outbox: OutboxWriter, survey: Omit<SurveyRow, 'parked_routed'>, status: CsatRecorded_Status, now: Date): void {
  const id = randomUUID();
  outbox.add(
    Topics.csatRecorded,
    survey.conversation_id,
    create(CsatRecordedSchema, {
      id,
      conversationId: survey.conversation_id,
      contactId: survey.contact_id,
      agentId: survey.agent_id,
      queue: survey.queue,
      channel: survey.channel,
      score: survey.score ?? 0,
      status,
      detail: survey.detail,
      recordedAt: timestampFromDate(now),
      customerRef: survey.customer_ref ? customerRefOf({ customer_ref: survey.customer_ref }) : undefined,
    }),
    { id },
  );
}

/**
 * After a resolution, where the queue asks for it (`wanted`, which the resolve read with its
 * update): the survey goes to window-policy like any reply. When the reply window is already
 * closed it is not sent at all, and that is recorded (and published) with the reason; a refusal by
 * window-policy is recorded the same way (onRefused).
 */
export async function sendSurvey(
  manager: EntityManager,
  outbox: OutboxWriter,
  row: ConversationRow,
  agentId: string | null,
  ctx: EngineContext,
  wanted: boolean,
): Promise<'sent' | 'not_sent' | 'none'> {
  if (!wanted) return 'none';
  const { now } = ctx;
  const closed = row.reply_deadline !== null && row.reply_deadline.getTime() <= now.getTime();
  const outboundId = randomUUID();
  const survey = {
    conversation_id: row.conversation_id,
    outbound_id: outboundId,
    agent_id: agentId ?? '',
    queue: row.queue,
    channel: row.channel,
    contact_id: row.contact_id,
    customer_ref: row.customer_ref,
    status: closed ? ('not_sent' as const) : ('sent' as const),
    detail: closed ? `${Reasons.csatWindowClosed.rule}: the reply window closed at ${row.reply_deadline!.toISOString()}` : '',
    score: null,
    answer_message_id: null,
    sent_at: now,
    recorded_at: closed ? now : null,
  };
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".csat_surveys (conversation_id, outbound_id, agent_id, queue, channel, contact_id, customer_ref, status, detail, score,
       answer_message_id, parked_routed, sent_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, $10, $11)
     ON CONFLICT (conversation_id) DO UPDATE SET outbound_id = EXCLUDED.outbound_id, agent_id = EXCLUDED.agent_id, queue = EXCLUDED.queue,
       channel = EXCLUDED.channel, contact_id = EXCLUDED.contact_id, customer_ref = EXCLUDED.customer_ref, status = EXCLUDED.status,
       detail = EXCLUDED.detail, score = NULL, answer_message_id = NULL, parked_routed = NULL, sent_at = EXCLUDED.sent_at, recorded_at = EXCLUDED.recorded_at`,
    [survey.conversation_id, outboundId, survey.agent_id, survey.queue, survey.channel, survey.contact_id, survey.customer_ref, survey.status, survey.detail, now, survey.recorded_at],
  );
  if (closed) {
    publishCsat(outbox, survey, CsatRecorded_Status.NOT_SENT, now);
    return 'not_sent';
  }
  requestOutbound(outbox, row, agentId ? agentId : 'assignment:csat', { text: SURVEY_TEXT, quickReplies: SURVEY_OPTIONS }, now, outboundId);
  return 'sent';
}

/** window-policy refused the survey (window closed meanwhile, opted out…): recorded as not sent. */
export async function onSurveyRefused(manager: EntityManager, outbox: OutboxWriter, outboundId: string, detail: string, now: Date): Promise<boolean> {
  const [survey] = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".csat_surveys WHERE outbound_id = $1 AND status = 'sent'`, [outboundId])) as SurveyRow[];
  if (!survey) return false;
  const updated = { ...survey, status: 'not_sent' as const, detail: `${Reasons.csatRefused.rule}: ${detail}`.slice(0, 500) };
  await manager.query(`UPDATE "${schemaOf(manager)}".csat_surveys SET status = 'not_sent', detail = $2, recorded_at = $3 WHERE conversation_id = $1`, [survey.conversation_id, updated.detail, now]);
  publishCsat(outbox, updated, CsatRecorded_Status.NOT_SENT, now);
  return true;
}

/** The score a customer message gives, if it answers the survey: the quick reply, a postback, or a lone digit. */
export function scoreOf(message: Pick<Message, 'content'>): number | null {
  const c = message.content?.kind;
  if (!c) return null;
  const payload = c.case === 'quickReply' || c.case === 'postback' ? c.value.payload : '';
  const fromPayload = PAYLOAD.exec(payload);
  if (fromPayload) return Number(fromPayload[1]);
  const text = c.case === 'text' ? c.value.text : c.case === 'quickReply' ? c.value.text : '';
  const digit = /^\s*([1-5])\s*(\/\s*5)?\s*[.!]?\s*$/.exec(text);
  return digit ? Number(digit[1]) : null;
}

export type SurveyOutcome = { kind: 'none' } | { kind: 'answered' } | { kind: 'superseded'; parkedRouted: Buffer | null };

/**
 * A customer message while a survey is open: an answer is recorded and published; anything else
 * closes the survey as superseded (the customer is writing about something else), and a routing
 * decision parked while it was undecided (see onRouted) is released.
 */
export async function onCustomerMessage(manager: EntityManager, outbox: OutboxWriter, message: Message, now: Date): Promise<SurveyOutcome> {
  const survey = await surveyOf(manager, message.conversationId);
  if (!survey || survey.status !== 'sent') return { kind: 'none' };
  const s = schemaOf(manager);
  const score = scoreOf(message);
  if (score === null) {
    await manager.query(`UPDATE "${s}".csat_surveys SET status = 'superseded', parked_routed = NULL, recorded_at = $2 WHERE conversation_id = $1`, [survey.conversation_id, now]);
    return { kind: 'superseded', parkedRouted: survey.parked_routed };
  }
  await manager.query(`UPDATE "${s}".csat_surveys SET status = 'answered', score = $2, answer_message_id = $3, parked_routed = NULL, recorded_at = $4 WHERE conversation_id = $1`, [
    survey.conversation_id,
    score,
    message.id,
    now,
  ]);
  publishCsat(outbox, { ...survey, status: 'answered', score, detail: '' }, CsatRecorded_Status.ANSWERED, now);
  return { kind: 'answered' };
}

