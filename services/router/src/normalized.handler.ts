import { Inject, Controller } from '@nestjs/common';
import { Direction, timestampDate, Topics, type Message } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork, type BatchRecord, type TransactionHooks } from '@omni/persistence';
import type { EntityManager } from 'typeorm';
import { BatchStates, type BatchQuestion } from './batch-state';
import { CLOCK, type Clock } from './clock';
import { RoutingEngine, type Outcome } from './engine';
import { RouterStore, type ConversationState, type StateQuestion } from './store';

/**
 * A customer message → the routing engine, in one transaction with the inbox row and the outbox
 * (routed event, bot questions, welcome/away messages): a redelivered message changes nothing. In
 * a consumed batch, the state of all its messages is looked up in one statement (BatchStates).
 */
@Controller()
export class NormalizedMessageHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly engine: RoutingEngine,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.messageNormalized)
  async onMessage(event: ConsumedEvent<Message>): Promise<void> {
    const message = event.value;
    const now = this.clock.now();
    const question = stateQuestionOf(message, now);
    if (!question) return;
    let outcome: Outcome | undefined;
    await this.uow.handle(event, async (manager, outbox, hooks) => {
      const prefetched = await this.batchState(manager, hooks, event.eventId, question, now);
      outcome = await this.engine.onMessage(manager, outbox, message, question.at, now, prefetched);
    });
    if (outcome?.kind === 'routed') {
      this.metrics.counter('omni_router_decisions_total', 'Routing decisions by queue', ['queue']).inc({ queue: outcome.queue });
      const rules = this.metrics.counter('omni_router_rule_matches_total', 'Routing rules applied, by rule', ['rule']);
      for (const rule of outcome.rules) rules.inc({ rule });
      this.logger.debug({ conversationId: message.conversationId, queue: outcome.queue, rules: outcome.rules, documentVersion: outcome.documentVersion }, 'conversation routed');
    } else if (outcome?.kind === 'bot-question') {
      this.metrics.counter('omni_router_bot_questions_total', 'Bot questions asked, by flow', ['flow']).inc({ flow: outcome.flow });
    }
  }

  /**
   * In a consumed batch: the message's state from one lookup for all the batch's messages, made
   * at the first of them inside the transaction (a retried or replayed transaction makes its own).
   * Undefined for a record consumed alone, and whenever the engine must look the state up itself.
   */
  private async batchState(manager: EntityManager, hooks: TransactionHooks, eventId: string, question: StateQuestion, now: Date): Promise<ConversationState | undefined> {
    const records = this.uow.batchRecords();
    if (!records || records.length < 2) return undefined;
    const batch = await hooks.local('router.batch-states', () => BatchStates.prepare(new RouterStore(manager), hooks, questionsOf(records, now)));
    return batch.take(eventId, question);
  }
}

/** The batch's messages that will ask for their state, each with the question onMessage will ask. */
function questionsOf(records: ReadonlyArray<BatchRecord>, now: Date): BatchQuestion[] {
  return records.flatMap((record) => {
    const question = record.topic === Topics.messageNormalized.name && record.value ? stateQuestionOf(record.value as Message, now) : undefined;
    return question ? [{ eventId: record.eventId, ...question }] : [];
  });
}

/** What routing asks the store about a message, or undefined for a message the router leaves alone. */
export function stateQuestionOf(message: Message, now: Date): StateQuestion | undefined {
  if (message.direction !== Direction.INBOUND || message.isEcho || !message.conversationId) return undefined;
  // A reaction is not the customer writing: it neither starts routing nor answers a bot.
  if (message.content?.kind.case === 'reaction') return undefined;
  return { conversationId: message.conversationId, contactId: message.contactId, at: decisionTime(message, now) };
}

/**
 * When the customer wrote (the provider's time, never later than now): business hours and
 * "repeat within N days" are judged at that moment, also when a backlog is processed late.
 */
export function decisionTime(message: Message, now: Date): Date {
  const sent = message.providerTimestamp ? timestampDate(message.providerTimestamp) : message.receivedAt ? timestampDate(message.receivedAt) : now;
  return sent > now ? now : sent;
}
