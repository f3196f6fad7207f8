import { Controller, Inject } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, WEBHOOK_TOPICS, type ContactErased, type TopicDefinition } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork, writeBufferOf, type TransactionHooks } from '@omni/persistence';
import { cloudEventOf, contactIdOf } from './domain/cloud-event';
import { CLOCK, type Clock } from './domain/clock';
import { purgeContact, recordEvents, type ReceivedEvent } from './domain/store';

/**
 * Every webhook topic (WEBHOOK_TOPICS) → the event log, plus a live delivery per subscription to
 * its type, in the consumer's transaction (inbox-protected: a redelivered record queues nothing).
 * Erasure has its own handler; every other topic gets a generated `@OnTopic` method (below the
 * class), so adding a topic to WEBHOOK_TOPICS is all it takes to offer it.
 */
@Controller()
export class EventsHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Erasure: the contact's earlier events leave the replay log; the erasure notice itself is delivered. */
  @OnTopic(Topics.contactErased)
  async onErased(event: ConsumedEvent<ContactErased>): Promise<void> {
    let purged = 0;
    await this.uow.handle(event, async (manager, _outbox, hooks) => {
      const log = eventLog(manager, hooks);
      // The purge reads the log: events of this transaction are written first.
      await log.flush();
      purged = await purgeContact(manager, event.value.contactId, event.value.conversationIds.slice(0, 10_000), event.eventId);
      log.add(this.toNewEvent(Topics.contactErased, event));
    });
    this.count(Topics.contactErased);
    this.logger.info({ contactId: event.value.contactId, purgedEvents: purged }, 'contact erased: webhook event log purged');
  }

  /** Logs one event of `topic` and queues its live deliveries (the generated handlers call it). */
  async ingest(topic: TopicDefinition, event: ConsumedEvent<unknown>): Promise<void> {
    await this.uow.handle(event, async (manager, _outbox, hooks) => {
      eventLog(manager, hooks).add(this.toNewEvent(topic, event));
    });
    this.count(topic);
  }

  private toNewEvent(topic: TopicDefinition, event: ConsumedEvent<unknown>): ReceivedEvent {
    return {
      eventId: event.eventId,
      topic: topic.name,
      ceType: topic.ceType,
      orderingKey: event.key,
      contactId: contactIdOf(event.value),
      occurredAt: event.time,
      payload: cloudEventOf(topic, event),
      receivedAt: this.clock.now(),
    };
  }

  private count(topic: TopicDefinition): void {
    this.metrics.counter('omni_crm_webhooks_events_total', 'Events logged for webhook delivery, by type', ['event_type']).inc({ event_type: topic.ceType });
  }
}

/** The events a transaction logs, written in one statement before it commits (a whole consumed batch's). */
function eventLog(manager: EntityManager, hooks: TransactionHooks) {
  return writeBufferOf(hooks, 'crm-webhooks.events', (events: ReceivedEvent[]) => recordEvents(manager, events).then(() => undefined));
}

// One handler method per webhook topic, declared with @OnTopic like any hand-written one.
for (const topic of WEBHOOK_TOPICS) {
  if (topic === Topics.contactErased) continue;
  const name = `on:${topic.name}`;
  const handler = {
    [name](this: EventsHandler, event: ConsumedEvent<unknown>): Promise<void> {
      return this.ingest(topic, event);
    },
  }[name]!;
  Object.defineProperty(EventsHandler.prototype, name, { value: handler, writable: true, configurable: true });
  OnTopic(topic)(EventsHandler.prototype, name, Object.getOwnPropertyDescriptor(EventsHandler.prototype, name)!);
}
