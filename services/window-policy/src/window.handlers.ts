import { randomUUID } from 'node:crypto';
import { Inject, Controller } from '@nestjs/common';
import {
  ConsentState,
  create,
  Direction,
  OutboundApprovedSchema,
  OutboundRejectedSchema,
  timestampDate,
  timestampFromDate,
  Topics,
  type ConsentChanged,
  type Message,
  type OutboundRequested,
} from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { decide } from './domain/decide';
import { ConsentEntity, ConversationWindowEntity } from './domain/entities';

@Controller()
export class WindowHandlers {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Every customer message (re)opens the conversation's reply window. */
  @OnTopic(Topics.messageNormalized)
  async onMessage(event: ConsumedEvent<Message>): Promise<void> {
    const message = event.value;
    if (message.direction !== Direction.INBOUND || message.isEcho || !message.conversationId) return;
    const at = message.providerTimestamp ? timestampDate(message.providerTimestamp) : event.time;
    await this.uow.handle(event, async (manager) => {
      const schema = (manager.connection.options as { schema: string }).schema;
      // Out-of-order delivery must never move the window backwards.
      await manager.query(
        `INSERT INTO "${schema}".conversation_windows (conversation_id, channel, last_inbound_at) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id) DO UPDATE SET last_inbound_at = GREATEST(conversation_windows.last_inbound_at, EXCLUDED.last_inbound_at), channel = EXCLUDED.channel`,
        [message.conversationId, message.channel, at],
      );
    });
  }

  /** The consent ledger follows opt-out / opt-in events in the order they happened. */
  @OnTopic(Topics.consentChanged)
  async onConsent(event: ConsumedEvent<ConsentChanged>): Promise<void> {
    const consent = event.value;
    if (consent.state !== ConsentState.OPTED_OUT && consent.state !== ConsentState.OPTED_IN) return;
    const changedAt = consent.occurredAt ? timestampDate(consent.occurredAt) : event.time;
    await this.uow.handle(event, async (manager) => {
      const existing = await manager.findOne(ConsentEntity, { where: { channel: consent.channel, channelUserId: consent.channelUserId } });
      if (existing && existing.changedAt > changedAt) return;
      await manager.save(ConsentEntity, {
        channel: consent.channel,
        channelUserId: consent.channelUserId,
        state: consent.state === ConsentState.OPTED_OUT ? 'opted_out' : 'opted_in',
        contactId: consent.contactId || null,
        keyword: consent.keyword || null,
        changedAt,
      });
    });
  }

  @OnTopic(Topics.outboundRequested)
  async onOutbound(event: ConsumedEvent<OutboundRequested>): Promise<void> {
    const request = event.value;
    let verdictName = '';
    await this.uow.handle(event, async (manager, outbox) => {
      const window = await manager.findOne(ConversationWindowEntity, { where: { conversationId: request.conversationId } });
      const consent = request.recipient?.channelUserId
        ? await manager.findOne(ConsentEntity, { where: { channel: request.channel, channelUserId: request.recipient.channelUserId } })
        : null;
      const now = new Date();
      const verdict = decide(request, { lastInboundAt: window?.lastInboundAt, optedOut: consent?.state === 'opted_out', now });
      const id = randomUUID();
      if (verdict.approved) {
        verdictName = 'approved';
        outbox.add(
          Topics.outboundApproved,
          request.conversationId,
          create(OutboundApprovedSchema, {
            id,
            request,
            approvedAt: timestampFromDate(now),
            policy: {
              messagingType: verdict.messagingType,
              tag: verdict.tag ?? '',
              windowClosesAt: verdict.windowClosesAt ? timestampFromDate(verdict.windowClosesAt) : undefined,
              reasons: verdict.reasons,
            },
          }),
          { id },
        );
      } else {
        verdictName = 'rejected';
        outbox.add(
          Topics.outboundRejected,
          request.conversationId,
          create(OutboundRejectedSchema, {
            id,
            request,
            reason: verdict.reason,
            detail: verdict.detail,
            alternatives: verdict.alternatives,
            rejectedAt: timestampFromDate(now),
          }),
          { id },
        );
      }
    });
    if (verdictName) this.metrics.counter('omni_window_policy_verdicts_total', 'Outbound verdicts', ['verdict']).inc({ verdict: verdictName });
    this.logger.info({ outboundId: request.id, conversationId: request.conversationId, verdict: verdictName || 'redelivered' }, 'outbound decided');
  }
}
