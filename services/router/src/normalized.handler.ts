import { Inject, Controller } from '@nestjs/common';
import { Direction, timestampDate, Topics, type Message } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from './clock';
import { RoutingEngine, type Outcome } from './engine';

/**
 * A customer message → the routing engine, in one transaction with the inbox row and the outbox
 * (routed event, bot questions, welcome/away messages): a redelivered message changes nothing.
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
    if (message.direction !== Direction.INBOUND || message.isEcho || !message.conversationId) return;
    // A reaction is not the customer writing: it neither starts routing nor answers a bot.
    if (message.content?.kind.case === 'reaction') return;
    const now = this.clock.now();
    const at = decisionTime(message, now);
    let outcome: Outcome | undefined;
    await this.uow.handle(event, async (manager, outbox) => {
      outcome = await this.engine.onMessage(manager, outbox, message, at, now);
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
}

/**
 * When the customer wrote (the provider's time, never later than now): business hours and
 * "repeat within N days" are judged at that moment, also when a backlog is processed late.
 */
export function decisionTime(message: Message, now: Date): Date {
  const sent = message.providerTimestamp ? timestampDate(message.providerTimestamp) : message.receivedAt ? timestampDate(message.receivedAt) : now;
  return sent > now ? now : sent;
}
