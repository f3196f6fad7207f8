import { Controller, Inject } from '@nestjs/common';
import { Topics, type ConversationRouted } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '@omni/service-kit';
import { lockAssignments } from './domain/engine';
import { routeIn, type RouteOutcome } from './domain/intake';
import { SETTINGS, type AssignmentSettings } from './settings';

/**
 * A routed conversation is queued, then a matching pass runs under the assignment lock: it is
 * assigned (or offered) at once when an eligible agent has room, else its position goes out.
 */
@Controller()
export class RoutedConversationHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.conversationRouted)
  async onRouted(event: ConsumedEvent<ConversationRouted>): Promise<void> {
    const routed = event.value;
    let outcome: RouteOutcome | 'duplicate' = 'duplicate';
    await this.uow.handle(event, async (manager, outbox) => {
      await lockAssignments(manager);
      outcome = await routeIn(manager, outbox, routed, this.settings, this.clock.now());
    });
    this.metrics.counter('omni_assignment_outcomes_total', 'Routed conversations by outcome', ['outcome']).inc({ outcome });
    this.logger.info({ conversationId: routed.conversationId, outcome }, 'routed conversation handled');
  }
}
