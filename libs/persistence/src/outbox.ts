import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * Publishes outbox rows to Kafka in id order and marks them published. Rows are claimed with
 * FOR UPDATE SKIP LOCKED so several instances can relay side by side; a crash between produce and
 * mark re-publishes the rows (same ce_id), which consumers' inboxes absorb.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly options: { batchSize?: number; idleMs?: number; retentionHours?: number } = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a commit that wrote outbox rows, so they go out without waiting for a poll. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Publishes everything pending once; returns how many rows went out. */
  async drainOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
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
    let failures = 0;
    let lastCleanup = 0;
    while (this.running) {
      try {
        const sent = await this.drainOnce();
        failures = 0;
        if (Date.now() - lastCleanup > 60_000) {
          lastCleanup = Date.now();
          await this.cleanup();
        }
        if (sent > 0) continue;
      } catch (err) {
        failures++;
        this.logger.warn({ err: { message: (err as Error).message }, failures }, 'outbox relay failed, will retry');
      }
      const idle = failures ? Math.min(200 * 2 ** failures, 10_000) : (this.options.idleMs ?? 250);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(idle).then(resolve);
      });
      this.wake = undefined;
    }
  }

  /** Published rows are kept a while for audit and replay, then removed. */
  private async cleanup(): Promise<void> {
    const schema = schemaOf(this.dataSource);
    const hours = this.options.retentionHours ?? 24;
    await this.dataSource.query(
      `DELETE FROM "${schema}"."outbox" WHERE published_at IS NOT NULL AND published_at < now() - ($1 || ' hours')::interval`,
      [String(hours)],
    );
  }
}
