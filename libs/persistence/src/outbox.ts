import type { DataSource, EntityManager } from 'typeorm';
import { context } from '@opentelemetry/api';
import type { DescMessage, MessageShape, TopicDefinition } from '@omni/contracts';
import { buildEnvelope, injectContext, type Envelope, type EnvelopeOptions, type EventPublisher } from '@omni/messaging';
import type { Logger, Metrics } from '@omni/observability';
import { schemaOf } from './database';

/** A PostgreSQL notification (NOTIFY) a transaction sends: delivered to listeners only if it commits. */
export interface Notice {
  channel: string;
  payload: string;
}

/**
 * A data-modifying statement (INSERT, UPDATE or DELETE, without RETURNING) that rides in a flush's
 * statement (`OutboxWriter.flushWith`). `bind` binds a value and returns its placeholder.
 */
export type CompanionWrite = (bind: (value: unknown) => string) => string;

/**
 * Collects what a unit of work publishes at its commit: records for the outbox, and PostgreSQL
 * notifications, which ride in the outbox's statement instead of costing a round trip of their own.
 */
export class OutboxWriter {
  readonly envelopes: Envelope[] = [];
  /** The rows written so far, in order (a transaction may write them in several goes). */
  private readonly written: PendingRecord[] = [];
  /** Notifications not yet sent, in the order they were made. */
  private readonly notices: Notice[] = [];
  /** Writes to run in the next flush's statement (addWrite). */
  private readonly companions: CompanionWrite[] = [];

  constructor(
    private readonly source: string,
    /**
     * Ids of rows the relay has already published, to mark in the same statement as new rows (see
     * OutboxRelay.takeMarks); asked only by a statement that writes rows.
     */
    private readonly markPublished: () => string[] = () => [],
  ) {}

  add<S extends DescMessage>(topic: TopicDefinition<S>, key: string, message: MessageShape<S>, options: Partial<EnvelopeOptions> = {}): Envelope {
    const envelope = buildEnvelope(topic, key, message, { source: this.source, ...options });
    // Keep the trace of the transaction that decided to publish, so the relay continues it.
    injectContext(envelope.headers, context.active());
    this.envelopes.push(envelope);
    return envelope;
  }

  /**
   * A NOTIFY sent with the next flush, in the same statement as the outbox rows (or alone when
   * there are none). PostgreSQL delivers it at the commit, and only then, in the order made.
   */
  notify(notice: Notice): void {
    this.notices.push(notice);
  }

  /**
   * Writes the records collected since the last flush to the outbox (one statement, which also
   * sends the pending notifications) and returns every record this writer wrote, with its row id,
   * for the relay to publish right after commit. The unit of work flushes last; a before-commit
   * hook may flush earlier, e.g. so that no outbox write happens while it holds a lock others wait
   * for. Rows the relay published lately are marked in the same statement when it writes any.
   */
  async flush(manager: EntityManager): Promise<PendingRecord[]> {
    await this.write(manager);
    return this.written;
  }

  /**
   * flush, and one more SQL expression evaluated once in the same statement, whose value it
   * returns: a before-commit hook that must both write the outbox and ask PostgreSQL for something
   * (assignment's shared lock) pays one round trip, not two. `expression` gets a function that
   * binds a value and returns its placeholder. Evaluated even when there is nothing to write.
   */
  async flushAlong<T>(manager: EntityManager, expression: (bind: (value: unknown) => string) => string): Promise<T> {
    return (await this.write(manager, expression)) as T;
  }

  /**
   * A write that needs nothing back to run in the next flush's statement, as flushWith's do: at the
   * latest the unit of work's own flush before its commit. For rows nothing reads before the commit
   * (assignment's handle times, which only its sweep reads).
   */
  addWrite(write: CompanionWrite): void {
    this.companions.push(write);
  }

  /**
   * flush, with data-modifying statements of the caller's run in the same statement (as CTEs): a
   * caller that ends by writing rows of its own and the outbox pays one round trip, not one each
   * (assignment's matching pass, under a lock everyone else waits for). They all run, once, against
   * the statement's one snapshot: they must not touch the same rows as each other, and their
   * effects are seen by the statements that follow, not by each other.
   */
  async flushWith(manager: EntityManager, writes: readonly CompanionWrite[]): Promise<PendingRecord[]> {
    await this.write(manager, undefined, writes);
    return this.written;
  }

  /** Writes what is pending in one statement; returns the value of `along` when given. */
  private async write(manager: EntityManager, along?: (bind: (value: unknown) => string) => string, writes: readonly CompanionWrite[] = []): Promise<unknown> {
    const fresh = this.envelopes.slice(this.written.length);
    const notices = this.notices.splice(0);
    const params: unknown[] = [];
    const bind = (value: unknown): string => `$${params.push(value)}`;
    const all = [...this.companions.splice(0), ...writes];
    // A data-modifying CTE runs whether or not anything refers to it.
    const companions = (): string[] => all.map((write, i) => `written_${i} AS (${write(bind)})`);
    if (!fresh.length) {
      if (!along && !notices.length && !all.length) return undefined;
      const ctes = companions();
      if (notices.length) {
        const [channels, payloads] = noticeParams(notices);
        ctes.push(`notified AS (SELECT ${notifySql(bind(channels), bind(payloads))})`);
      }
      // FROM notified runs the notifications (one row out), and with it the expression, once.
      const sql = `${ctes.length ? `WITH ${ctes.join(', ')} ` : ''}SELECT ${along ? along(bind) : 'NULL'} AS along${notices.length ? ' FROM notified' : ''}`;
      return ((await manager.query(sql, params)) as Array<{ along: unknown }>)[0]?.along;
    }
    const schema = schemaOf(manager.connection);
    params.push(fresh.map((e) => e.topic), fresh.map((e) => e.key), fresh.map((e) => e.value), fresh.map((e) => JSON.stringify(e.headers)));
    const ctes = companions();
    const marks = this.markPublished();
    if (marks.length) ctes.push(`marked AS (${markSql(schema, bind(marks))})`);
    // A CTE that only reads is run only where it is referenced: the WHERE below runs it, once,
    // before the first row is inserted.
    if (notices.length) {
      const [channels, payloads] = noticeParams(notices);
      ctes.push(`notified AS (SELECT ${notifySql(bind(channels), bind(payloads))})`);
    }
    // Referenced from RETURNING, which at least one inserted row evaluates: run once, as an InitPlan.
    if (along) ctes.push(`along AS MATERIALIZED (SELECT ${along(bind)} AS value)`);
    const rows: Array<{ id: string; along?: unknown }> = await manager.query(
      `${ctes.length ? `WITH ${ctes.join(', ')} ` : ''}INSERT INTO "${schema}"."outbox" (topic, record_key, value, headers)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::jsonb[])${notices.length ? ' WHERE (SELECT sent FROM notified) IS NOT NULL' : ''} RETURNING id${along ? ', (SELECT value FROM along) AS along' : ''}`,
      params,
    );
    // Ids come from one sequence in insertion (= array) order.
    const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    fresh.forEach((envelope, i) => this.written.push({ id: String(ids[i]), envelope }));
    return rows[0]?.along;
  }
}

/** Sends every notice, in array order (a function scan yields its rows in order); one row out. */
function notifySql(channels: string, payloads: string): string {
  return `count(pg_notify(n.channel, n.payload)) AS sent FROM unnest(${channels}::text[], ${payloads}::text[]) AS n(channel, payload)`;
}

function noticeParams(notices: readonly Notice[]): [string[], string[]] {
  return [notices.map((n) => n.channel), notices.map((n) => n.payload)];
}

/** Marks published rows; idempotent (a row already marked keeps its time). */
function markSql(schema: string, ids: string): string {
  return `UPDATE "${schema}"."outbox" SET published_at = now() WHERE id = ANY(${ids}::bigint[]) AND published_at IS NULL`;
}

/**
 * How long a published row may wait to be marked when no transaction of this instance comes along
 * to mark it in passing (then the relay marks it with a statement of its own). Short next to
 * LEFTOVER_AGE_MS, so other instances' leftover drains do not take rows already published.
 */
const MARK_DELAY_MS = 200;
/** At most this many ids ride along with one transaction's outbox insert. */
const MARKS_PER_STATEMENT = 5_000;

/** An outbox row just committed, still in memory: the relay publishes it without reading it back. */
export interface PendingRecord {
  id: string;
  envelope: Envelope;
}

/**
 * Rows younger than this are left to the instance that committed them (it publishes them from
 * memory); leftover drains only take older ones.
 */
const LEFTOVER_AGE_MS = 5_000;

export interface OutboxRelayOptions {
  /** Rows per drain: one produce request each. */
  batchSize?: number;
  /**
   * Fallback poll when nothing nudged the relay (rows left by a crashed instance). Commits in this
   * instance nudge it, so this can be slow: default 30 s.
   */
  pollMs?: number;
  /** Published rows are kept this long for audit and replay. */
  retentionHours?: number;
  /** See MARK_DELAY_MS (tests stretch it to see the marking in passing). */
  markDelayMs?: number;
}

/**
 * Publishes outbox rows to Kafka in id order and marks them published. Rows are claimed with
 * FOR UPDATE SKIP LOCKED so several instances can relay side by side; a crash between produce and
 * mark re-publishes the rows (same ce_id), which consumers' inboxes absorb.
 *
 * Event-driven: a commit that wrote outbox rows hands them to the relay in memory, and the relay
 * publishes them at once without reading them back (one produce request); commits landing while a
 * produce is in flight go out together in the next one. Marking them published costs no statement
 * of its own under load: the next transaction of this instance that writes outbox rows marks them
 * in the same statement (`takeMarks`); only when none comes within MARK_DELAY_MS does the relay run
 * the UPDATE itself. A crash before the mark republishes them, as a crash between produce and mark
 * always could. The table itself is drained (FOR UPDATE SKIP LOCKED, id order) at start-up, after
 * a failed publish, and by a slow fallback poll for rows a crashed instance left. When nothing was
 * written the relay sleeps, instead of running a transaction several times a second.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** A table drain is due, for rows at least this old (ms); undefined: none due. */
  private drainMinAgeMs: number | undefined;
  private leftoverTimer?: NodeJS.Timeout;
  private lastCleanup = Date.now();
  /** Rows committed by this instance, in commit order, not yet published. */
  private committed: PendingRecord[] = [];
  /** Ids the table drain published lately, so the in-memory path does not publish them again. */
  private readonly drained = new Set<string>();
  /** Ids published from memory and not yet marked in the table. */
  private unmarked: string[] = [];
  private markTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    // Publish whatever a previous run left behind: now, and once more when rows a crash left just
    // before this start are old enough for the leftover drain.
    this.requestDrain(LEFTOVER_AGE_MS);
    this.leftoverTimer = setTimeout(() => {
      this.requestDrain(LEFTOVER_AGE_MS);
      this.wake?.();
    }, LEFTOVER_AGE_MS + 500);
    this.leftoverTimer.unref();
    this.loop = this.run();
  }

  /** Asks for a table drain of every pending row of this instance (any age) without waiting for a poll. */
  nudge(): void {
    this.requestDrain(0);
    this.wake?.();
  }

  private requestDrain(minAgeMs: number): void {
    this.drainMinAgeMs = Math.min(this.drainMinAgeMs ?? Number.POSITIVE_INFINITY, minAgeMs);
  }

  /**
   * Called after a commit with the rows it wrote: they are published from memory (no read back),
   * in commit order, then marked. Falls back to draining the table if publishing fails.
   */
  publishCommitted(records: PendingRecord[]): void {
    if (!records.length) return;
    if (!this.running) return this.nudge();
    for (const record of records) this.committed.push(record);
    this.wake?.();
  }

  /**
   * Hands the ids of published, unmarked rows to a transaction that marks them along with its own
   * outbox insert. If that transaction does not commit, it gives them back (`returnMarks`).
   */
  takeMarks(): string[] {
    const taken = this.unmarked.splice(0, MARKS_PER_STATEMENT);
    if (!this.unmarked.length) this.cancelMarkTimer();
    return taken;
  }

  returnMarks(ids: string[]): void {
    if (!ids.length) return;
    for (const id of ids) this.unmarked.push(id);
    this.armMarkTimer();
  }

  /** Marks whatever no transaction took along; on failure the ids stay for the next try. */
  async flushMarks(): Promise<void> {
    this.cancelMarkTimer();
    while (this.unmarked.length) {
      const ids = this.unmarked.splice(0, MARKS_PER_STATEMENT);
      try {
        await this.dataSource.query(markSql(schemaOf(this.dataSource), '$1'), [ids]);
      } catch (err) {
        this.returnMarks(ids);
        throw err;
      }
    }
  }

  private armMarkTimer(): void {
    // Stopped: the data source may be closing; unmarked rows are published again by the next start.
    if (!this.running || this.markTimer || !this.unmarked.length) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      this.flushMarks().catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'outbox: marking published rows failed, will retry'));
    }, this.options.markDelayMs ?? MARK_DELAY_MS);
    this.markTimer.unref();
  }

  private cancelMarkTimer(): void {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
  }

  /** Stops the loop after one last drain, so rows committed during shutdown still go out. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.leftoverTimer);
    this.wake?.();
    await this.loop;
    await this.publishFromMemory().catch(() => this.requestDrain(0));
    // Mark what went out before draining, or the drain would publish it again.
    await this.flushMarks().catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'outbox: marking published rows failed; they will be published again'));
    await this.drainOnce(this.drainMinAgeMs ?? LEFTOVER_AGE_MS).catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'outbox: final drain failed; rows stay for the next start'));
  }

  /**
   * Publishes the rows committed in this process from memory: one produce request; they are
   * marked later (see `takeMarks`). On failure they stay unmarked in the table, and the table
   * drain (which reads in id order) takes over.
   */
  private async publishFromMemory(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    const batch = this.committed.splice(0, batchSize).filter((r) => !this.drained.has(r.id));
    if (!batch.length) return 0;
    try {
      await this.publisher.publishEnvelopes(batch.map((r) => r.envelope));
    } catch (err) {
      // Keep order: everything still in memory is in the table too; the drain publishes it all in id order.
      this.committed = [];
      this.requestDrain(0);
      throw err;
    }
    for (const record of batch) this.unmarked.push(record.id);
    this.armMarkTimer();
    this.metrics?.counter('omni_outbox_published_total', 'Outbox rows relayed to Kafka').inc(batch.length);
    return batch.length;
  }

  /**
   * Publishes one batch of pending rows at least `minAgeMs` old; returns how many went out.
   * Leftover drains (start-up, fallback poll) skip fresh rows: those belong to an instance that is
   * publishing them from memory right now, and taking them too would publish them twice.
   */
  async drainOnce(minAgeMs = 0): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    // Rows published from memory but not yet marked would look pending: mark them first.
    await this.flushMarks();
    return this.dataSource.transaction(async (manager) => {
      const schema = schemaOf(this.dataSource);
      const rows: Array<{ id: string; topic: string; record_key: string; value: Buffer; headers: Record<string, string> }> = await manager.query(
        `SELECT id, topic, record_key, value, headers FROM "${schema}"."outbox"
          WHERE published_at IS NULL AND created_at <= now() - make_interval(secs => $2::float8 / 1000)
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize, minAgeMs],
      );
      if (!rows.length) return 0;
      await this.publisher.publishEnvelopes(rows.map((r) => ({ topic: r.topic, key: r.record_key, value: r.value, headers: r.headers })));
      // The rows are locked by this transaction and were unpublished: markSql's guard holds for all.
      await manager.query(markSql(schema, '$1'), [rows.map((r) => r.id)]);
      // Rows committed here may also sit in memory: remember them so they go out once.
      if (this.committed.length) for (const row of rows) this.drained.add(String(row.id));
      this.metrics?.counter('omni_outbox_published_total', 'Outbox rows relayed to Kafka').inc(rows.length);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let failures = 0;
    while (this.running) {
      let more = false;
      try {
        if (this.drainMinAgeMs !== undefined) {
          // Table drain: start-up leftovers, the fallback poll, or recovery after a failure.
          const minAge = this.drainMinAgeMs;
          this.drainMinAgeMs = undefined;
          more = (await this.drainOnce(minAge)) >= batchSize;
          if (more) this.requestDrain(minAge);
        } else if (this.committed.length) {
          await this.publishFromMemory();
          more = this.committed.length > 0;
        }
        failures = 0;
        if (!this.committed.length) this.drained.clear();
        this.backlog(more ? batchSize : this.committed.length);
      } catch (err) {
        failures++;
        this.requestDrain(0);
        this.logger.warn({ err: { message: (err as Error).message }, failures }, 'outbox relay failed, will retry');
        await this.countBacklog().catch(() => undefined);
      }
      if (more || (!failures && (this.drainMinAgeMs !== undefined || this.committed.length))) continue;
      await this.cleanupIfDue();
      // Failures (Kafka restarting…) retry quickly: rows wait in the outbox meanwhile, and a long
      // backoff would keep them waiting after the broker is back.
      const wait = failures ? Math.min(100 * 2 ** failures, 2_000) : (this.options.pollMs ?? 30_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (!failures) this.requestDrain(LEFTOVER_AGE_MS); // the fallback poll
          resolve();
        }, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** omni_outbox_backlog: rows written but not yet relayed (the SRE dashboard's outbox panel, OmniOutboxBacklog). */
  private backlog(rows: number): void {
    this.metrics?.gauge('omni_outbox_backlog', 'Outbox rows not yet relayed to Kafka (capped at 100000)').set(rows);
  }

  /** While relaying fails (Kafka away), the backlog is in the table: count it, bounded. */
  private async countBacklog(): Promise<void> {
    const schema = schemaOf(this.dataSource);
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${schema}"."outbox" WHERE published_at IS NULL LIMIT 100000) pending`,
    );
    this.backlog(row?.n ?? 0);
  }

  /** Published rows are kept a while for audit and replay, then removed (checked every 10 min). */
  private async cleanupIfDue(): Promise<void> {
    if (Date.now() - this.lastCleanup < 600_000) return;
    this.lastCleanup = Date.now();
    const schema = schemaOf(this.dataSource);
    const hours = this.options.retentionHours ?? 24;
    await this.dataSource
      .query(`DELETE FROM "${schema}"."outbox" WHERE published_at IS NOT NULL AND published_at < now() - ($1 || ' hours')::interval`, [String(hours)])
      .catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'outbox cleanup failed'));
  }
}
