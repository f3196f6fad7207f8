import type { DataSource } from 'typeorm';
import type { Logger, Metrics } from '@omni/observability';
import { schemaOf } from './database';

export interface InboxPrunerOptions {
  /** Inbox rows older than this are deleted (INBOX_RETENTION_HOURS). */
  retentionMs: number;
  /** How often to prune (default 10 min). */
  intervalMs?: number;
  /** Rows deleted per statement, so a large backlog never holds one long transaction (default 10,000). */
  batchSize?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Default retention: 14 days, twice Kafka's default topic retention (7 days). */
export const DEFAULT_INBOX_RETENTION_HOURS = 336;

/**
 * Deletes inbox rows (ids of applied events) older than the retention. The trade-off: the inbox is
 * what makes a redelivered record change nothing, so a record redelivered after its row was pruned
 * would be applied again. Keep the retention longer than the retention of every topic the service
 * consumes: a record older than that cannot be redelivered, because Kafka no longer has it. A
 * deliberate replay does not rely on the inbox (it uses a replay id, see docs/operations.md).
 */
export class InboxPruner {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: InboxPrunerOptions,
  ) {
    if (!(options.retentionMs > 0)) throw new RangeError(`inbox retention must be > 0 ms, got ${options.retentionMs}`);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pruneOnce().catch((err: Error) => this.logger.warn({ error: err.message }, 'inbox pruning failed, retried later')), this.options.intervalMs ?? 600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass: deletes every row older than the retention, in batches; returns how many. */
  pruneOnce(): Promise<number> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(): Promise<number> {
    const schema = schemaOf(this.dataSource);
    const cutoff = new Date((this.options.now ?? Date.now)() - this.options.retentionMs);
    const batch = this.options.batchSize ?? 10_000;
    let total = 0;
    // Bounded: each statement deletes at most `batch` rows, and the loop ends when one deletes fewer.
    for (;;) {
      const [, deleted] = (await this.dataSource.query(
        `DELETE FROM "${schema}"."inbox" WHERE ctid IN (SELECT ctid FROM "${schema}"."inbox" WHERE processed_at < $1 LIMIT $2)`,
        [cutoff, batch],
      )) as [unknown, number];
      total += deleted;
      if (deleted < batch) break;
    }
    if (total > 0) {
      this.metrics.counter('omni_inbox_pruned_total', 'Inbox rows deleted after the retention').inc(total);
      this.logger.info({ deleted: total, olderThan: cutoff.toISOString() }, 'inbox pruned');
    }
    return total;
  }
}
