import { Controller, Inject } from '@nestjs/common';
import { Channel, RejectionReason, Topics, type OutboundRequested } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '../domain/clock';
import type { Decision } from '../domain/decide';
import { OutboundGate } from '../gate';

/** Every outbound request (agent replies, bots, CSAT surveys) gets exactly one verdict. */
@Controller()
export class OutboundRequestHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly gate: OutboundGate,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.outboundRequested)
  async onRequested(event: ConsumedEvent<OutboundRequested>): Promise<void> {
    const request = event.value;
    let decision: Decision | undefined;
    await this.uow.handle(event, async (manager, outbox) => {
      decision = await this.gate.decideAndPublish(manager, outbox, request, this.clock.now());
    });
    this.logger.info(
      {
        outboundId: request.id,
        conversationId: request.conversationId,
        channel: Channel[request.channel],
        outcome: decision?.outcome ?? 'redelivered',
        reason: decision && decision.outcome !== 'approved' ? RejectionReason[decision.reason] : undefined,
      },
      'outbound decided',
    );
  }
}
