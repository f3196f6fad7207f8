import { randomUUID } from 'node:crypto';
import { Inject, Controller } from '@nestjs/common';
import {
  ConversationRoutedSchema,
  create,
  Direction,
  timestampDate,
  timestampFromDate,
  Topics,
  type Message,
} from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { RoutedConversationEntity } from './domain/entities';
import { ROUTING_POLICY } from './tokens';
import type { RoutingPolicy } from './domain/policy';

/**
 * A customer message in a conversation that is not currently routed → a routing decision, stored
 * and published (with its reasons) through the outbox in one transaction.
 */
@Controller()
export class NormalizedMessageHandler {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(ROUTING_POLICY) private readonly policy: RoutingPolicy,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.messageNormalized)
  async onMessage(event: ConsumedEvent<Message>): Promise<void> {
    const message = event.value;
    if (message.direction !== Direction.INBOUND || message.isEcho) return;
    let routedQueue: string | undefined;
    await this.uow.handle(event, async (manager, outbox) => {
      // Raw SQL on the hot path: a finder builds and maps a query each call (TypeORM was the largest
      // share of consumer CPU in the profile).
      const schema = (manager.connection.options as { schema: string }).schema;
      const [existing] = (await manager.query(`SELECT closed_at FROM "${schema}".routed_conversations WHERE conversation_id = $1`, [message.conversationId])) as Array<{ closed_at: Date | null }>;
      if (existing && !existing.closed_at) return;
      const receivedAt = message.receivedAt ? timestampDate(message.receivedAt) : event.time;
      const decision = this.policy.decide(message, receivedAt);
      const routedAt = new Date();
      // One INSERT … ON CONFLICT instead of save()'s SELECT-then-write: this is the hot path.
      await manager.upsert(RoutedConversationEntity, {
        conversationId: message.conversationId,
        queue: decision.queue,
        priority: decision.priority,
        policyVersion: this.policy.version,
        routedAt,
        closedAt: null,
      }, ['conversationId']);
      const id = randomUUID();
      outbox.add(
        Topics.conversationRouted,
        message.conversationId,
        create(ConversationRoutedSchema, {
          id,
          conversationId: message.conversationId,
          contactId: message.contactId,
          channel: message.channel,
          messageId: message.id,
          queue: decision.queue,
          requiredSkills: decision.requiredSkills,
          language: decision.language,
          priority: decision.priority,
          tier: decision.tier,
          reasons: decision.reasons,
          routedAt: timestampFromDate(routedAt),
          replyDeadline: decision.replyDeadline ? timestampFromDate(decision.replyDeadline) : undefined,
          customer: message.sender,
          accountId: message.accountId,
          policyVersion: this.policy.version,
        }),
        { id },
      );
      routedQueue = decision.queue;
    });
    if (routedQueue) {
      this.metrics.counter('omni_router_decisions_total', 'Routing decisions', ['queue']).inc({ queue: routedQueue });
      this.logger.info({ conversationId: message.conversationId, queue: routedQueue }, 'conversation routed');
    }
  }
}
