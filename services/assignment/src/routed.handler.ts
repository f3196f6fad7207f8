import { Inject, Controller } from '@nestjs/common';
import { timestampDate, Topics, type ConversationRouted } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { assignTo, enqueue, pickAgent } from './domain/assign';
import { ConversationAssignmentEntity } from './domain/entities';

/** A routed conversation → assigned to an available agent, or queued; published via the outbox. */
@Controller()
export class RoutedConversationHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.conversationRouted)
  async onRouted(event: ConsumedEvent<ConversationRouted>): Promise<void> {
    const routed = event.value;
    let outcome: 'assigned' | 'queued' | 'already-owned' = 'already-owned';
    await this.uow.handle(event, async (manager, outbox) => {
      // Raw SQL on the hot path (a finder builds and maps a query each call); locks the row if any.
      const schema = (manager.connection.options as { schema: string }).schema;
      const [existing] = (await manager.query(`SELECT state FROM "${schema}".conversation_assignments WHERE conversation_id = $1 FOR UPDATE`, [routed.conversationId])) as Array<{
        state: ConversationAssignmentEntity['state'];
      }>;
      if (existing && existing.state !== 'resolved') return;
      const now = new Date();
      const row = manager.create(ConversationAssignmentEntity, {
        conversationId: routed.conversationId,
        state: 'queued',
        agentId: null,
        queue: routed.queue,
        priority: routed.priority,
        channel: routed.channel,
        contactId: routed.contactId,
        routedAt: routed.routedAt ? timestampDate(routed.routedAt) : now,
        replyDeadline: routed.replyDeadline ? timestampDate(routed.replyDeadline) : null,
        assignedAt: null,
      });
      // One INSERT … ON CONFLICT instead of save()'s SELECT-then-write: this is the hot path.
      await manager.upsert(ConversationAssignmentEntity, row, ['conversationId']);
      const agent = await pickAgent(manager);
      if (agent) {
        await assignTo(manager, outbox, row, agent, now, [
          ...routed.reasons.map((r) => ({ rule: `routing:${r.rule}`, detail: r.detail })),
          { rule: 'least-loaded-online-agent', detail: `${agent.activeCount}/${agent.capacity} conversations before this one` },
        ]);
        outcome = 'assigned';
      } else {
        await enqueue(manager, outbox, row, now);
        outcome = 'queued';
      }
    });
    this.metrics.counter('omni_assignment_outcomes_total', 'Routed conversations by outcome', ['outcome']).inc({ outcome });
    this.logger.info({ conversationId: routed.conversationId, outcome }, 'routed conversation handled');
  }
}
