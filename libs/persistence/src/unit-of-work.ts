import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { BatchScope, ConsumedEvent } from '@omni/messaging';
import { OutboxWriter, type OutboxRelay, type PendingRecord } from './outbox';
import { schemaOf } from './database';

export type WorkResult = 'applied' | 'duplicate';

/** The transaction a batch of consumed records shares, visible to the UnitOfWork of its handlers. */
interface BatchTransaction {
  manager: EntityManager;
  outbox: OutboxWriter;
  /** Inbox keys registered by this batch and not yet claimed by a handler. */
  fresh: Set<string>;
  /** Every inbox key the batch tried to register (new or already there). */
  registered: Set<string>;
}

const inboxKey = (consumer: string, eventId: string): string => `${consumer}\u0000${eventId}`;

/**
 * Exactly-once effects for a consumer: records the event id in the inbox, runs the effect and
 * writes the outbox rows, all in one transaction. A redelivered event finds its id already in the
 * inbox and changes nothing.
 *
 * Inside a batch (see BatchUnitOfWorkScope) the same calls join the batch's transaction instead of
 * opening their own: the inbox rows of the whole batch were inserted in one statement, the outbox
 * rows are written once at the end, and everything commits together. Handlers don't change.
 */
export class UnitOfWork {
  private readonly batches = new AsyncLocalStorage<BatchTransaction>();

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
    return this.once(this.consumerFor(event.topic), event.eventId, effect);
  }

  /** Same guarantee for any idempotency key (an HTTP request id, a provider id…). */
  async once(
    consumer: string,
    eventId: string,
    effect: (manager: EntityManager, outbox: OutboxWriter) => Promise<void>,
  ): Promise<WorkResult> {
    const batch = this.batches.getStore();
    if (batch) {
      const key = inboxKey(consumer, eventId);
      if (!batch.fresh.delete(key)) {
        if (batch.registered.has(key)) return 'duplicate';
        if (!(await this.claim(batch.manager, consumer, eventId))) return 'duplicate';
        batch.registered.add(key);
      }
      await effect(batch.manager, batch.outbox);
      return 'applied';
    }
    return this.transact(async (manager, outbox) => {
      if (!(await this.claim(manager, consumer, eventId))) return 'duplicate' as const;
      await effect(manager, outbox);
      return 'applied' as const;
    });
  }

  /** A transaction that only publishes (no inbox), e.g. for REST commands. Joins a batch's. */
  async run<T>(effect: (manager: EntityManager, outbox: OutboxWriter) => Promise<T>): Promise<T> {
    const batch = this.batches.getStore();
    if (batch) return effect(batch.manager, batch.outbox);
    return this.transact(effect);
  }

  /**
   * Runs `apply` for a batch of consumed records in one transaction: registers all their inbox
   * rows in one statement, lets every handler's `handle`/`run` join the transaction, writes all
   * outbox rows at once and commits. Throws (and rolls everything back) if anything fails.
   */
  async inBatch(events: ReadonlyArray<Pick<ConsumedEvent<unknown>, 'eventId' | 'topic'>>, apply: () => Promise<void>): Promise<void> {
    const schema = schemaOf(this.dataSource);
    await this.transact(async (manager, outbox) => {
      const consumers = events.map((e) => this.consumerFor(e.topic));
      const ids = events.map((e) => e.eventId);
      const inserted: Array<{ consumer: string; event_id: string }> = await manager.query(
        `INSERT INTO "${schema}"."inbox" (consumer, event_id) SELECT * FROM unnest($1::text[], $2::text[])
          ON CONFLICT DO NOTHING RETURNING consumer, event_id`,
        [consumers, ids],
      );
      const batch: BatchTransaction = {
        manager,
        outbox,
        fresh: new Set(inserted.map((r) => inboxKey(r.consumer, r.event_id))),
        registered: new Set(consumers.map((c, i) => inboxKey(c, ids[i]!))),
      };
      await this.batches.run(batch, apply);
    });
  }

  /**
   * One transaction whose outbox rows are written just before the commit and handed to the relay
   * right after it.
   */
  private async transact<T>(work: (manager: EntityManager, outbox: OutboxWriter) => Promise<T>): Promise<T> {
    const outbox = new OutboxWriter(this.source);
    let written: PendingRecord[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await work(manager, outbox);
      written = await outbox.flush(manager);
      return value;
    });
    this.relay?.publishCommitted(written);
    return result;
  }

  private consumerFor(topic: string): string {
    return `${this.consumerName}:${topic}`;
  }

  private async claim(manager: EntityManager, consumer: string, eventId: string): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO "${schemaOf(this.dataSource)}"."inbox" (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, eventId],
    );
    return inserted.length > 0;
  }
}

/** The consumer's BatchScope for a service with a database: one transaction per batch. */
export class BatchUnitOfWorkScope implements BatchScope {
  constructor(private readonly uow: UnitOfWork) {}

  run(events: ReadonlyArray<ConsumedEvent<unknown>>, apply: () => Promise<void>): Promise<void> {
    return this.uow.inBatch(events, apply);
  }
}
