import { Controller, Inject } from '@nestjs/common';
import {
  ConversationRoutedSchema,
  DeliveryState,
  Direction,
  fromBinary,
  RejectionReason,
  timestampDate,
  Topics,
  type ContactErased,
  type Message,
  type MessageStatus,
  type OutboundApproved,
  type OutboundRejected,
  type WindowExpiring,
} from '@omni/contracts';
import { OnTopic, type ConsumedEvent } from '@omni/messaging';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '@omni/service-kit';
import type { EntityManager } from 'typeorm';
import { onCustomerMessage, onSurveyRefused, type SurveyOutcome } from '../domain/csat';
import { lockAssignments } from '../domain/engine';
import { notify } from '../domain/events';
import { routeIn } from '../domain/intake';
import { readConversation } from '../domain/batch-conversations';
import { findConversation, queueSettings, schemaOf } from '../domain/store';
import { SETTINGS, type AssignmentSettings } from '../settings';

const PREVIEW = 500;

/** Who holds a conversation now (for the stream), or '' for supervisors only. */
async function holder(manager: EntityManager, conversationId: string): Promise<string> {
  if (!conversationId) return '';
  return (await findConversation(manager, conversationId))?.agent_id ?? '';
}

/**
 * What customers and the outbound path do to the conversations assignment holds: customer messages
 * (stream, next-response SLA, CSAT answers), receipts and window-policy verdicts (stream),
 * window deadlines (queue order), erasure.
 */
@Controller()
export class CustomerHandlers {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @OnTopic(Topics.messageNormalized)
  async onMessage(event: ConsumedEvent<Message>): Promise<void> {
    const message = event.value;
    if (message.direction !== Direction.INBOUND || message.isEcho || !message.conversationId) return;
    // No assignment lock: this only touches the conversation's own rows (surveyOf takes the lock
    // while a CSAT survey is out, and a released parked decision schedules a pass that takes it).
    await this.uow.handle(event, async (manager, outbox, hooks) => {
      const now = this.clock.now();
      const before = await readConversation(manager, hooks, this.uow.batchRecords(), message.conversationId);
      // A survey is out only while the conversation is resolved: other messages skip the lookup.
      const csat: SurveyOutcome = before?.state === 'resolved' ? await onCustomerMessage(manager, outbox, message, now) : { kind: 'none' };
      if (csat.kind === 'superseded' && csat.parkedRouted) {
        await routeIn(manager, outbox, hooks, fromBinary(ConversationRoutedSchema, csat.parkedRouted), this.settings, () => this.clock.now());
      }
      if (csat.kind === 'answered') return;
      const row = csat.kind === 'none' ? before : await findConversation(manager, message.conversationId);
      if (!row || (row.state !== 'assigned' && row.state !== 'offered' && row.state !== 'queued')) return;
      const target = (await queueSettings(manager)).get(row.queue)?.next_response_ms ?? this.settings.nextResponseMs;
      const at = message.receivedAt ? timestampDate(message.receivedAt) : now;
      // The customer is waiting for an answer from now on (unless already waiting); the first
      // response has its own clock until the agent first replies. No intake of the conversation
      // is pending here: `row` was read after this record's routeIn, if any (findConversation
      // writes it first), or, when there was none, by readConversation, which does the same.
      if (target > 0 && row.first_responded_at) {
        await manager.query(`UPDATE "${schemaOf(manager)}".conversation_assignments SET next_response_due = COALESCE(next_response_due, $2) WHERE conversation_id = $1`, [
          row.conversation_id,
          new Date(at.getTime() + target),
        ]);
      }
      const c = message.content?.kind;
      const text = c?.case === 'text' ? c.value.text : c?.case === 'quickReply' ? c.value.text : c?.case === 'postback' ? c.value.title : '';
      notify(manager, outbox, { agentId: row.agent_id ?? '', kind: 'message', conversationId: row.conversation_id, data: { messageId: message.id, contentType: c?.case ?? 'unknown', text: text.slice(0, PREVIEW) } });
    });
  }

  @OnTopic(Topics.messageStatus)
  async onStatus(event: ConsumedEvent<MessageStatus>): Promise<void> {
    const status = event.value;
    if (!status.conversationId || status.typing) return;
    await this.uow.handle(event, async (manager, outbox, hooks) => {
      const agentId = (await readConversation(manager, hooks, this.uow.batchRecords(), status.conversationId))?.agent_id ?? '';
      if (!agentId) return;
      notify(manager, outbox, { agentId, kind: 'receipt', conversationId: status.conversationId, data: { outboundId: status.outboundId, state: DeliveryState[status.state]?.toLowerCase() ?? 'unknown' } });
    });
  }

  @OnTopic(Topics.outboundApproved)
  async onApproved(event: ConsumedEvent<OutboundApproved>): Promise<void> {
    const request = event.value.request;
    if (!request?.conversationId) return;
    await this.uow.handle(event, async (manager, outbox) => {
      notify(manager, outbox, { agentId: await holder(manager, request.conversationId), kind: 'outbound-approved', conversationId: request.conversationId, data: { outboundId: request.id } });
    });
  }

  @OnTopic(Topics.outboundRejected)
  async onRejected(event: ConsumedEvent<OutboundRejected>): Promise<void> {
    const rejected = event.value;
    const request = rejected.request;
    if (!request) return;
    await this.uow.handle(event, async (manager, outbox) => {
      const reason = RejectionReason[rejected.reason]?.toLowerCase() ?? 'unspecified';
      await onSurveyRefused(manager, outbox, request.id, `${reason}: ${rejected.detail}`, this.clock.now());
      if (!request.conversationId) return;
      notify(manager, outbox, {
        agentId: await holder(manager, request.conversationId),
        kind: 'outbound-rejected',
        conversationId: request.conversationId,
        data: { outboundId: request.id, reason, detail: rejected.detail.slice(0, PREVIEW), rules: rejected.reasons.map((r) => r.rule), alternatives: rejected.alternatives.length },
      });
    });
  }

  /** The deadline orders the queue (soonest first) and the agent is warned. */
  @OnTopic(Topics.windowExpiring)
  async onWindowExpiring(event: ConsumedEvent<WindowExpiring>): Promise<void> {
    const expiring = event.value;
    if (!expiring.conversationId || !expiring.closesAt) return;
    // The deadline only reorders the queue for the next pass: no assignment lock needed. No intake
    // can be pending in this transaction: a consumed batch holds one topic's records, and this
    // handler routes nothing.
    await this.uow.handle(event, async (manager, outbox) => {
      const closesAt = timestampDate(expiring.closesAt!);
      await manager.query(`UPDATE "${schemaOf(manager)}".conversation_assignments SET reply_deadline = $2 WHERE conversation_id = $1 AND state <> 'resolved'`, [expiring.conversationId, closesAt]);
      notify(manager, outbox, { agentId: await holder(manager, expiring.conversationId), kind: 'window-expiring', conversationId: expiring.conversationId, data: { closesAt: closesAt.toISOString(), windowKind: expiring.windowKind } });
    });
  }

  /**
   * Erasure: notes, surveys, handoff answers and customer references of the contact's
   * conversations are deleted; the assignment facts (who, when, how long) stay, without personal data.
   */
  @OnTopic(Topics.contactErased)
  async onErased(event: ConsumedEvent<ContactErased>): Promise<void> {
    const erased = event.value;
    await this.uow.handle(event, async (manager) => {
      // Also writes the transaction's pending intakes, if any, before the rows are read and erased.
      await lockAssignments(manager);
      const s = schemaOf(manager);
      const ids = (await manager.query(`SELECT conversation_id FROM "${s}".conversation_assignments WHERE contact_id = $1`, [erased.contactId])) as Array<{ conversation_id: string }>;
      const all = [...new Set([...ids.map((r) => r.conversation_id), ...erased.conversationIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id))])].slice(0, 10_000);
      await manager.query(`DELETE FROM "${s}".notes WHERE conversation_id = ANY($1::uuid[])`, [all]);
      await manager.query(`DELETE FROM "${s}".csat_surveys WHERE conversation_id = ANY($1::uuid[]) OR contact_id = $2`, [all, erased.contactId]);
      await manager.query(
        `UPDATE "${s}".conversation_assignments SET customer_ref = NULL, handoff_context = '{}', channel_user_id = '', language = ''
          WHERE conversation_id = ANY($1::uuid[])`,
        [all],
      );
    });
  }
}
