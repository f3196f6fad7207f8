import { Inject, Controller } from '@nestjs/common';
import { timestampDate, Topics, type ConversationResolved } from '@omni/contracts';
import { isUuid, LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { currentTransactionHooks, UnitOfWork } from '@omni/persistence';
import { Clock } from './domain/clock';
import { resolveConversation, type ResolutionsWritten, type ResolveOutcome } from './domain/conversations';

type Outcome = ResolveOutcome | 'redelivered';

/**
 * omni.conversation.resolved.v1 → the conversation is marked resolved, so the customer's next
 * message reopens it (within CONVERSATION_REOPEN_WINDOW_MS) or starts a new one. Inbox-protected:
 * a redelivered resolution changes nothing. A consumed batch's resolutions are written together
 * just before it commits, and counted once it has.
 */
@Controller()
export class ResolvedHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Counts what a transaction's written resolutions did (one listener, however many records it
   * holds), once it commits: a batch that rolls back is replayed, and would be counted twice.
   */
  private readonly written: ResolutionsWritten = (outcomes) => {
    const hooks = currentTransactionHooks();
    if (hooks) hooks.afterCommit(() => this.count(outcomes));
    else this.count(outcomes);
  };

  @OnTopic(Topics.conversationResolved)
  async onResolved(event: ConsumedEvent<ConversationResolved>): Promise<void> {
    const resolved = event.value;
    // An id that is not a UUID names no conversation (and would fail the batch's statement).
    const wellFormed = isUuid(resolved.conversationId);
    const applied = await this.uow.handle(event, async (manager) => {
      if (!wellFormed) return;
      const resolution = {
        conversationId: resolved.conversationId,
        at: resolved.resolvedAt ? timestampDate(resolved.resolvedAt) : this.clock.now(),
        resolution: resolved.resolution || null,
        resolvedBy: resolved.agentId || null,
      };
      await resolveConversation(manager, resolution, this.written);
    });
    if (applied === 'duplicate') this.count(['redelivered'], resolved.conversationId);
    else if (!wellFormed) this.count(['unknown'], resolved.conversationId);
  }

  /** The outcome metric and a debug line; `conversationId` when they are one record's. */
  private count(outcomes: readonly Outcome[], conversationId?: string): void {
    const counter = this.metrics.counter('omni_normalizer_resolutions_total', 'Conversation resolutions by outcome', ['outcome']);
    const tally = tallyOf(outcomes);
    for (const [outcome, n] of Object.entries(tally)) counter.inc({ outcome }, n);
    this.logger.debug({ conversationId, resolutions: outcomes.length, outcomes: tally }, 'conversation resolutions applied');
  }
}

function tallyOf(outcomes: readonly Outcome[]): Partial<Record<Outcome, number>> {
  const tally: Partial<Record<Outcome, number>> = {};
  for (const outcome of outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
  return tally;
}
