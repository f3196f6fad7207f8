import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { BatchScope, ConsumedEvent } from '@omni/messaging';
import { useLeanQueries } from './lean-queries';
import { OutboxWriter, type OutboxRelay, type PendingRecord } from './outbox';
import { DEFAULT_POOL_SIZE, schemaOf } from './database';
import { CommandSlots, commandSlotsFor } from './command-slots';

export type WorkResult = 'applied' | 'duplicate';

/** What a unit of work runs against: the transaction's manager, its outbox and its commit hooks. */
export type Effect<T> = (manager: EntityManager, outbox: OutboxWriter, hooks: TransactionHooks) => Promise<T>;

/** Hooks registered by one transaction; more than this many rounds means a hook keeps re-registering itself. */
const MAX_HOOK_ROUNDS = 100;

/**
 * Work that belongs to a transaction as a whole rather than to one record of it.
 *
 * `beforeCommit(key, fn)` runs `fn` once, after every handler of the transaction (a whole batch)
 * and before the outbox rows are written: e.g. assignment matches all conversations a batch
 * queued in one pass, and takes its global lock only for that pass instead of for the whole batch.
 * A second registration under the same key is ignored.
 *
 * `afterCommit(fn)` runs `fn` once the transaction committed (metrics that must not count a
 * rolled-back attempt). It is never run when the transaction rolls back; it must not throw.
 *
 * `local(key, create)` is state that lives exactly as long as the transaction (a write buffer, a
 * table read once per batch, whether a lock is held): made by `create` on first use, shared by
 * every handler of the batch, gone with the transaction, fresh again when it is retried.
 */
export class TransactionHooks {
  private readonly before = new Map<string, () => Promise<void>>();
  private readonly after: Array<() => void> = [];
  private readonly locals = new Map<string, unknown>();

  local<T>(key: string, create: () => T): T {
    if (this.locals.has(key)) return this.locals.get(key) as T;
    const value = create();
    this.locals.set(key, value);
    return value;
  }

  beforeCommit(key: string, fn: () => Promise<void>): void {
    if (!this.before.has(key)) this.before.set(key, fn);
  }

  afterCommit(fn: () => void): void {
    this.after.push(fn);
  }

  /** @internal Runs the before-commit hooks, including any they register. */
  async runBeforeCommit(): Promise<void> {
    for (let round = 0; this.before.size; round++) {
      if (round >= MAX_HOOK_ROUNDS) throw new Error(`before-commit hooks still registering after ${MAX_HOOK_ROUNDS} rounds: ${[...this.before.keys()].join(', ')}`);
      const [key, fn] = this.before.entries().next().value as [string, () => Promise<void>];
      this.before.delete(key);
      await fn();
    }
  }

  /** @internal */
  runAfterCommit(): void {
    for (const fn of this.after.splice(0)) {
      try {
        fn();
      } catch {
        // Bookkeeping after a commit must not turn a committed transaction into a reported failure.
      }
    }
  }
}

const activeHooks = new AsyncLocalStorage<TransactionHooks>();

/**
 * The hooks of the unit of work the caller runs in, or undefined outside one: lets domain code
 * deep in a call chain defer bookkeeping to after the commit without threading the hooks through.
 */
export function currentTransactionHooks(): TransactionHooks | undefined {
  return activeHooks.getStore();
}

/** PostgreSQL gave up one side of a lock cycle (40P01) or a serializable conflict (40001): safe to rerun. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** A single transaction is rerun this often after a deadlock before the error goes to the caller. */
const TRANSACTION_ATTEMPTS = 4;

/** The transaction a batch of consumed records shares, visible to the UnitOfWork of its handlers. */
interface BatchTransaction {
  manager: EntityManager;
  outbox: OutboxWriter;
  hooks: TransactionHooks;
  /** Inbox keys registered by this batch and not yet claimed by a handler. */
  fresh: Set<string>;
  /** Every inbox key the batch tried to register (new or already there). */
  registered: Set<string>;
  /** The batch's records, in order, as the consumer gave them. */
  records: ReadonlyArray<BatchRecord>;
}

/** A record of a consumed batch as the unit of work sees it (the consumer passes whole ConsumedEvents). */
export type BatchRecord = Pick<ConsumedEvent<unknown>, 'eventId' | 'topic'> & Partial<Pick<ConsumedEvent<unknown>, 'value' | 'time' | 'redeliveryLikely'>>;

const inboxKey = (consumer: string, eventId: string): string => `${consumer}\u0000${eventId}`;

/** `run` options. */
export interface RunOptions {
  /**
   * Commit listeners are not told about this transaction: a poller's own bookkeeping, which would
   * otherwise wake the poller itself (see onCommitted).
   */
  quiet?: boolean;
}

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
  private readonly committedListeners = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay | undefined,
    private readonly source: string,
    private readonly consumerName: string,
    /** Commands (`run` outside a batch) at once: the rest of the pool stays free for consumed records. */
    private readonly commands: CommandSlots = new CommandSlots(commandSlotsFor(DEFAULT_POOL_SIZE)),
  ) {}

  /**
   * `once` for a consumed record. Alone (not in a batch) and not likely redelivered (see
   * ConsumedEvent.redeliveryLikely), it is applied optimistically, as inBatch does: the inbox row
   * rides in the transaction's outbox statement, and a record applied before (its key there already)
   * rolls back and runs again with the inbox read first, which skips it.
   */
  async handle(event: Pick<ConsumedEvent<unknown>, 'eventId' | 'topic' | 'redeliveryLikely'>, effect: Effect<void>): Promise<WorkResult> {
    const consumer = this.consumerFor(event.topic);
    const checked = () => this.once(consumer, event.eventId, effect);
    if (event.redeliveryLikely !== false || this.batches.getStore()) return checked();
    return this.optimistically(
      () =>
        this.transact(async (manager, outbox, hooks) => {
          this.registerWithOutbox(outbox, [consumer], [event.eventId]);
          await effect(manager, outbox, hooks);
          return 'applied' as const;
        }),
      checked,
    );
  }

  /** Same guarantee for any idempotency key (an HTTP request id, a provider id…): the inbox is read first. */
  async once(consumer: string, eventId: string, effect: Effect<void>): Promise<WorkResult> {
    const batch = this.batches.getStore();
    if (batch) {
      const key = inboxKey(consumer, eventId);
      if (!batch.fresh.delete(key)) {
        if (batch.registered.has(key)) return 'duplicate';
        if (!(await this.claim(batch.manager, consumer, eventId))) return 'duplicate';
        batch.registered.add(key);
      }
      await effect(batch.manager, batch.outbox, batch.hooks);
      return 'applied';
    }
    return this.transact(async (manager, outbox, hooks) => {
      if (!(await this.claim(manager, consumer, eventId))) return 'duplicate' as const;
      await effect(manager, outbox, hooks);
      return 'applied' as const;
    });
  }

  /**
   * The records of the batch the caller runs in, all of them in order (the caller's own
   * included), or undefined outside a batch. A handler can prepare at its first record what every
   * record of the batch needs (one statement for all instead of one each), keyed by this array
   * (one per batch transaction) so that a replay record by record, outside any batch, starts afresh.
   */
  batchRecords(): ReadonlyArray<BatchRecord> | undefined {
    return this.batches.getStore()?.records;
  }

  /** A transaction that only publishes (no inbox), e.g. for REST commands. Joins a batch's. */
  async run<T>(effect: Effect<T>, options: RunOptions = {}): Promise<T> {
    const batch = this.batches.getStore();
    if (batch) return effect(batch.manager, batch.outbox, batch.hooks);
    return this.commands.run(() => this.transact(effect, options.quiet === true));
  }

  /**
   * Calls `listener` after every committed transaction of this unit of work (consumed batches,
   * single records, commands), except quiet ones. Due-driven pollers use it to wake up when new work
   * may have been written, instead of polling for it. Listeners must be cheap and must not throw
   * (a throw is swallowed: the commit already happened). Returns the unsubscribe function.
   */
  onCommitted(listener: () => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /**
   * Runs `apply` for a batch of consumed records in one transaction: registers all their inbox
   * rows in one statement, lets every handler's `handle`/`run` join the transaction, writes all
   * outbox rows at once and commits. Throws (and rolls everything back) if anything fails; it is
   * not rerun here (the consumer replays the records one by one, each in a retried transaction).
   *
   * Optimistic unless a record may be redelivered (ConsumedEvent.redeliveryLikely: a partition's
   * first batch after a join): a record is almost never seen twice otherwise, so the batch is
   * applied as if all its records were new, and their inbox rows ride in the transaction's first
   * outbox statement (`OutboxWriter.addWrite`) instead of a round trip of their own before the
   * work. A record applied before makes that insert fail on the inbox's key: everything is rolled
   * back, and the batch runs again with the inbox read first, which skips it.
   */
  async inBatch(events: ReadonlyArray<BatchRecord>, apply: () => Promise<void>): Promise<void> {
    // A partition's first batch after a join may hold records applied before: checked at once.
    const checked = () => this.batchOnce(events, apply, 'checked');
    if (events.some((e) => e.redeliveryLikely !== false)) return checked();
    return this.optimistically(() => this.batchOnce(events, apply, 'optimistic'), checked);
  }

  private async batchOnce(events: ReadonlyArray<BatchRecord>, apply: () => Promise<void>, mode: 'optimistic' | 'checked'): Promise<void> {
    const schema = schemaOf(this.dataSource);
    await this.transactOnce(async (manager, outbox, hooks) => {
      const consumers = events.map((e) => this.consumerFor(e.topic));
      const ids = events.map((e) => e.eventId);
      const registered = new Set(consumers.map((c, i) => inboxKey(c, ids[i]!)));
      let fresh: Set<string>;
      if (mode === 'optimistic') {
        this.registerWithOutbox(outbox, consumers, ids);
        fresh = new Set(registered);
      } else {
        const inserted: Array<{ consumer: string; event_id: string }> = await manager.query(
          `INSERT INTO "${schema}"."inbox" (consumer, event_id) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT DO NOTHING RETURNING consumer, event_id`,
          [consumers, ids],
        );
        fresh = new Set(inserted.map((r) => inboxKey(r.consumer, r.event_id)));
      }
      await this.batches.run({ manager, outbox, hooks, fresh, registered, records: events }, apply);
    });
  }

  /**
   * The optimistic inbox insert: with the transaction's first outbox statement, and without ON
   * CONFLICT, so that a key already there fails the statement, and with it the transaction.
   */
  private registerWithOutbox(outbox: OutboxWriter, consumers: readonly string[], ids: readonly string[]): void {
    const schema = schemaOf(this.dataSource);
    outbox.addWrite((bind) => `INSERT INTO "${schema}"."inbox" (consumer, event_id) SELECT DISTINCT * FROM unnest(${bind(consumers)}::text[], ${bind(ids)}::text[])`);
  }

  /** Runs `optimistic`; when its inbox insert met a record applied before, runs `checked` instead (the rollback undid the rest). */
  private async optimistically<T>(optimistic: () => Promise<T>, checked: () => Promise<T>): Promise<T> {
    try {
      return await optimistic();
    } catch (error) {
      if (!this.isInboxConflict(error)) throw error;
      return checked();
    }
  }

  /** The optimistic inbox insert met a key already there (unique_violation on this schema's inbox). */
  private isInboxConflict(error: unknown): boolean {
    const e = error as { code?: unknown; table?: unknown; schema?: unknown } | null;
    return e?.code === '23505' && e.table === 'inbox' && e.schema === schemaOf(this.dataSource);
  }

  /**
   * One transaction, rerun from the start when PostgreSQL breaks a deadlock or a serialization
   * conflict by aborting it (the work is then redone against the winner's committed rows).
   */
  private async transact<T>(work: Effect<T>, quiet = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactOnce(work, quiet);
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        // A little jitter so the two sides of a deadlock don't meet again at once.
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
      }
    }
  }

  /**
   * One transaction: the work, its before-commit hooks, its outbox rows (written last), the
   * commit; then the after-commit hooks, and the outbox rows handed to the relay.
   */
  private async transactOnce<T>(work: Effect<T>, quiet = false): Promise<T> {
    // Ids of rows the relay published, marked by this transaction's outbox inserts in passing
    // (a before-commit hook may write some of its rows early), and given back if it fails.
    const marks: string[] = [];
    const takeMarks = (): string[] => {
      const taken = this.relay?.takeMarks() ?? [];
      for (const id of taken) marks.push(id);
      return taken;
    };
    const outbox = new OutboxWriter(this.source, takeMarks);
    const hooks = new TransactionHooks();
    let written: PendingRecord[] = [];
    let result: T;
    try {
      result = await this.dataSource.transaction((manager) =>
        activeHooks.run(hooks, async () => {
          useLeanQueries(this.dataSource, manager.queryRunner!);
          const value = await work(manager, outbox, hooks);
          await hooks.runBeforeCommit();
          written = await outbox.flush(manager);
          return value;
        }),
      );
    } catch (error) {
      this.relay?.returnMarks(marks);
      throw error;
    }
    hooks.runAfterCommit();
    this.relay?.publishCommitted(written);
    if (!quiet) this.notifyCommitted();
    return result;
  }

  private notifyCommitted(): void {
    for (const listener of this.committedListeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not turn a committed transaction into a failed call.
      }
    }
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
