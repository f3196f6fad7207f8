import { Inject, Controller } from '@nestjs/common';
import { Topics, type MessageStatus, type OutboundApproved } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { Clock } from './domain/clock';
import { writePendingResolutions } from './domain/conversations';
import { recordApproved, registerSend, type SendOutcome } from './domain/outbound';

/** The CloudEvents source of what this service publishes (its own receipts on omni.message.status.v1). */
export const NORMALIZER_SOURCE = 'omni/normalizer';

/**
 * Messages the business sent: the approved content (omni.outbound.approved.v1) and the gateways'
 * send results (omni.message.status.v1 with an outbound id), so sent messages appear in history
 * and the provider's later delivered/read receipts attach to them.
 */
@Controller()
export class OutboundHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.outboundApproved)
  async onApproved(event: ConsumedEvent<OutboundApproved>): Promise<void> {
    await this.uow.handle(event, async (manager) => {
      await recordApproved(manager, event.value, this.clock.now());
    });
  }

  @OnTopic(Topics.messageStatus)
  async onStatus(event: ConsumedEvent<MessageStatus>): Promise<void> {
    // Receipts this service republished itself are already applied.
    if (event.source === NORMALIZER_SOURCE || !event.value.outboundId) return;
    let outcome: SendOutcome = 'ignored';
    const applied = await this.uow.handle(event, async (manager, _outbox, hooks) => {
      await writePendingResolutions(manager, hooks);
      outcome = await registerSend(manager, event.value, this.clock.now());
    });
    const result = applied === 'duplicate' ? 'redelivered' : outcome;
    this.metrics.counter('omni_normalizer_outbound_total', 'Gateway send results by outcome', ['outcome']).inc({ outcome: result });
    this.logger.debug({ outboundId: event.value.outboundId, conversationId: event.value.conversationId, outcome: result }, 'send result applied');
  }
}
