import { Controller, Inject } from '@nestjs/common';
import { Topics, type ConversationRouted } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '@omni/service-kit';
import { readConversation } from './domain/batch-conversations';
import type { Matched } from './domain/engine';
import { routeIn, type RouteOutcome } from './domain/intake';
import { SETTINGS, type AssignmentSettings } from './settings';

/**
 * A routed conversation is queued; one matching pass for the whole consumed batch then runs under
 * the assignment lock just before the batch commits, after writing the batch's queued rows in one
 * statement: each conversation is assigned (or offered) when an eligible agent has room, else its
 * position goes out. Outcomes are counted once the batch committed, so a rolled-back attempt
 * counts nothing.
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
    await this.uow.handle(event, async (manager, outbox, hooks) => {
      const records = this.uow.batchRecords();
      const read = (id: string) => readConversation(manager, hooks, records, id);
      const result = await routeIn(manager, outbox, hooks, routed, this.settings, () => this.clock.now(), read);
      hooks.afterCommit(() => this.record(routed.conversationId, result.outcome === 'queued' ? result.pass.outcomeOf(routed.conversationId) : result.outcome));
    });
  }

  private record(conversationId: string, outcome: Exclude<RouteOutcome, 'queued'> | Matched | 'queued'): void {
    this.metrics.counter('omni_assignment_outcomes_total', 'Routed conversations by outcome', ['outcome']).inc({ outcome });
    this.logger.debug({ conversationId, outcome }, 'routed conversation handled');
  }
}
