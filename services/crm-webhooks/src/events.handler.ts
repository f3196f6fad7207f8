import { Controller, Inject } from '@nestjs/common';
import { Topics, type ContactErased, type TopicDefinition } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { cloudEventOf, contactIdOf } from './domain/cloud-event';
import { CLOCK, type Clock } from './domain/clock';
import { purgeContact, recordEvent } from './domain/store';

/**
 * Every webhook topic (WEBHOOK_TOPICS) → the event log, plus a live delivery per subscription to
 * its type, in the consumer's transaction (inbox-protected: a redelivered record queues nothing).
 * One method per topic because handlers are declared statically; they all share `ingest`.
 */
@Controller()
export class EventsHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.conversationRouted) onRouted(e: ConsumedEvent<unknown>) { return this.ingest(Topics.conversationRouted, e); }
  @OnTopic(Topics.conversationQueued) onQueued(e: ConsumedEvent<unknown>) { return this.ingest(Topics.conversationQueued, e); }
  @OnTopic(Topics.conversationAssigned) onAssigned(e: ConsumedEvent<unknown>) { return this.ingest(Topics.conversationAssigned, e); }
  @OnTopic(Topics.conversationResolved) onResolved(e: ConsumedEvent<unknown>) { return this.ingest(Topics.conversationResolved, e); }
  @OnTopic(Topics.conversationReopened) onReopened(e: ConsumedEvent<unknown>) { return this.ingest(Topics.conversationReopened, e); }
  @OnTopic(Topics.csatRecorded) onCsat(e: ConsumedEvent<unknown>) { return this.ingest(Topics.csatRecorded, e); }
  @OnTopic(Topics.outboundRejected) onRejected(e: ConsumedEvent<unknown>) { return this.ingest(Topics.outboundRejected, e); }
  @OnTopic(Topics.contactLinked) onLinked(e: ConsumedEvent<unknown>) { return this.ingest(Topics.contactLinked, e); }
  @OnTopic(Topics.contactMerged) onMerged(e: ConsumedEvent<unknown>) { return this.ingest(Topics.contactMerged, e); }

  /** Erasure: the contact's earlier events leave the replay log; the erasure notice itself is delivered. */
  @OnTopic(Topics.contactErased)
  async onErased(event: ConsumedEvent<ContactErased>): Promise<void> {
    let purged = 0;
    await this.uow.handle(event, async (manager) => {
      purged = await purgeContact(manager, event.value.contactId, event.value.conversationIds.slice(0, 10_000), event.eventId);
      await recordEvent(manager, this.toNewEvent(Topics.contactErased, event), this.clock.now());
    });
    this.count(Topics.contactErased);
    this.logger.info({ contactId: event.value.contactId, purgedEvents: purged }, 'contact erased: webhook event log purged');
  }

  private async ingest(topic: TopicDefinition, event: ConsumedEvent<unknown>): Promise<void> {
    await this.uow.handle(event, async (manager) => {
      await recordEvent(manager, this.toNewEvent(topic, event), this.clock.now());
    });
    this.count(topic);
  }

  private toNewEvent(topic: TopicDefinition, event: ConsumedEvent<unknown>) {
    return {
      eventId: event.eventId,
      topic: topic.name,
      ceType: topic.ceType,
      orderingKey: event.key,
      contactId: contactIdOf(event.value),
      occurredAt: event.time,
      payload: cloudEventOf(topic, event),
    };
  }

  private count(topic: TopicDefinition): void {
    this.metrics.counter('omni_crm_webhooks_events_total', 'Events logged for webhook delivery, by type', ['event_type']).inc({ event_type: topic.ceType });
  }
}
