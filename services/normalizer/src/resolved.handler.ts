import { Inject, Controller } from '@nestjs/common';
import { timestampDate, Topics, type ConversationResolved } from '@omni/contracts';
import { isUuid, LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { Clock } from './domain/clock';
import { resolveConversation, type ResolveOutcome } from './domain/conversations';

/**
 * omni.conversation.resolved.v1 → the conversation is marked resolved, so the customer's next
 * message reopens it (within CONVERSATION_REOPEN_WINDOW_MS) or starts a new one. Inbox-protected:
 * a redelivered resolution changes nothing.
 */
@Controller()
export class ResolvedHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.conversationResolved)
  async onResolved(event: ConsumedEvent<ConversationResolved>): Promise<void> {
    const resolved = event.value;
    let outcome: ResolveOutcome = 'unknown';
    const applied = await this.uow.handle(event, async (manager) => {
      if (!isUuid(resolved.conversationId)) return;
      outcome = await resolveConversation(manager, resolved.conversationId, {
        at: resolved.resolvedAt ? timestampDate(resolved.resolvedAt) : this.clock.now(),
        resolution: resolved.resolution,
        agentId: resolved.agentId,
      });
    });
    const result = applied === 'duplicate' ? 'redelivered' : outcome;
    this.metrics.counter('omni_normalizer_resolutions_total', 'Conversation resolutions by outcome', ['outcome']).inc({ outcome: result });
    this.logger.debug({ conversationId: resolved.conversationId, outcome: result }, 'conversation resolution applied');
  }
}
