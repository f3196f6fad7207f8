import type { DataSource, EntityManager } from 'typeorm';
import { context } from '@opentelemetry/api';
import type { DescMessage, MessageShape, TopicDefinition } from '@omni/contracts';
import { buildEnvelope, injectContext, type Envelope, type EnvelopeOptions, type EventPublisher } from '@omni/messaging';
import type { Logger, Metrics } from '@omni/observability';
import { OutboxEntry } from './entities';
import { schemaOf } from './database';

/** Collects the records a unit of work wants to publish; written to the outbox on commit. */
export class OutboxWriter {
  readonly envelopes: Envelope[] = [];

  constructor(private readonly source: string) {}

  add<S extends DescMessage>(topic: TopicDefinition<S>, key: string, message: MessageShape<S>, options: Partial<EnvelopeOptions> = {}): Envelope {
    const envelope = buildEnvelope(topic, key, message, { source: this.source, ...options });
    // Keep the trace of the transaction that decided to publish, so the relay continues it.
    injectContext(envelope.headers, context.active());
    this.envelopes.push(envelope);
    return envelope;
  }

  async flush(manager: EntityManager): Promise<void> {
    if (!this.envelopes.length) return;
    await manager.insert(
      OutboxEntry,
      this.envelopes.map((e) => ({ topic: e.topic, key: e.key, value: e.value, headers: e.headers })),
    );
  }
}

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
}

/**
 * Publishes outbox rows to Kafka in id order and marks them published. Rows are claimed with
 * FOR UPDATE SKIP LOCKED so several instances can relay side by side; a crash between produce and
 * mark re-publishes the rows (same ce_id), which consumers' inboxes absorb.
 *
 * Event-driven: a commit that wrote outbox rows nudges the relay, which drains at once; commits
 * landing while a drain is in flight are picked up by the next drain, so under load one produce
 * request carries many transactions' rows. When nothing was written the relay sleeps (a slow
 * fallback poll only), instead of running a transaction several times a second.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private nudged = false;
  private lastCleanup = Date.now();

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
    this.nudged = true; // publish whatever a previous run left behind
    this.loop = this.run();
  }

  /** Called after a commit that wrote outbox rows, so they go out without waiting for a poll. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Stops the loop after one last drain, so rows committed during shutdown still go out. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.drainOnce().catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'outbox: final drain failed; rows stay for the next start'));
  }

  /** Publishes one batch of pending rows; returns how many went out. */
  async drainOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    return this.dataSource.transaction(async (manager) => {
      const schema = schemaOf(this.dataSource);
      const rows: Array<{ id: string; topic: string; record_key: string; value: Buffer; headers: Record<string, string> }> = await manager.query(
        `SELECT id, topic, record_key, value, headers FROM "${schema}"."outbox"
          WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (!rows.length) return 0;
      await this.publisher.publishEnvelopes(rows.map((r) => ({ topic: r.topic, key: r.record_key, value: r.value, headers: r.headers })));
      await manager.query(`UPDATE "${schema}"."outbox" SET published_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      this.metrics?.counter('omni_outbox_published_total', 'Outbox rows relayed to Kafka').inc(rows.length);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let failures = 0;
    while (this.running) {
      let full = false;
      if (this.nudged || failures) {
        this.nudged = false;
        try {
          full = (await this.drainOnce()) >= batchSize;
          failures = 0;
        } catch (err) {
          failures++;
          this.nudged = true;
          this.logger.warn({ err: { message: (err as Error).message }, failures }, 'outbox relay failed, will retry');
        }
      }
      if (full || (this.nudged && !failures)) continue;
      await this.cleanupIfDue();
      // Failures (Kafka restarting…) retry quickly: rows wait in the outbox meanwhile, and a long
      // backoff would keep them waiting after the broker is back.
      const wait = failures ? Math.min(100 * 2 ** failures, 2_000) : (this.options.pollMs ?? 30_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.nudged = true; // the fallback poll
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
