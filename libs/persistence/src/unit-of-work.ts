import type { DataSource, EntityManager } from 'typeorm';
import type { ConsumedEvent } from '@omni/messaging';
import { OutboxWriter, type OutboxRelay } from './outbox';
import { schemaOf } from './database';

export type WorkResult = 'applied' | 'duplicate';

/**
 * Exactly-once effects for a consumer: records the event id in the inbox, runs the effect and
 * writes the outbox rows, all in one transaction. A redelivered event finds its id already in the
 * inbox and changes nothing.
 */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay | undefined,
    private readonly source: string,
    private readonly consumerName: string,
  ) {}

  async handle(
    event: Pick<ConsumedEvent<unknown>, 'eventId' | 'topic'>,
    effect: (manager: EntityManager, outbox: OutboxWriter) => Promise<void>,
  ): Promise<WorkResult> {
    return this.once(`${this.consumerName}:${event.topic}`, event.eventId, effect);
  }

  /** Same guarantee for any idempotency key (an HTTP request id, a provider id…). */
  async once(
    consumer: string,
    eventId: string,
    effect: (manager: EntityManager, outbox: OutboxWriter) => Promise<void>,
  ): Promise<WorkResult> {
    const schema = schemaOf(this.dataSource);
    const outbox = new OutboxWriter(this.source);
    const result = await this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${schema}"."inbox" (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
        [consumer, eventId],
      );
      if (!inserted.length) return 'duplicate' as const;
      await effect(manager, outbox);
      await outbox.flush(manager);
      return 'applied' as const;
    });
    if (outbox.envelopes.length) this.relay?.nudge();
    return result;
  }

  /** A transaction that only publishes (no inbox), e.g. for REST commands. */
  async run<T>(effect: (manager: EntityManager, outbox: OutboxWriter) => Promise<T>): Promise<T> {
    const outbox = new OutboxWriter(this.source);
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await effect(manager, outbox);
      await outbox.flush(manager);
      return value;
    });
    if (outbox.envelopes.length) this.relay?.nudge();
    return result;
  }
}
