import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ChannelAdapter } from '@omni/channel-sdk';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { schemaOf } from '@omni/persistence';
import { SendLogEntity } from './send-ledger';
import { CHANNEL_ADAPTER } from './tokens';

const DAY_MS = 24 * 3_600_000;

/** Sleeps in slices, heartbeating, so the consumer group does not think this instance died. */
export async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  for (let waited = 0; waited < ms; waited += 2_000) {
    await sleep(Math.min(2_000, ms - waited));
    await heartbeat();
  }
}

/**
 * Defers sends for channels with hard quotas (the adapter's optional `sendDelay`). The send log is
 * in PostgreSQL, so every instance of the gateway sees the same history.
 */
@Injectable()
export class SendPacer {
  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async waitForRoom(accountId: string, heartbeat: () => Promise<void>): Promise<void> {
    if (!this.adapter.sendDelay) return;
    for (;;) {
      const now = Date.now();
      const rows: Array<{ account_id: string; sent_at: Date }> = await this.dataSource.query(
        `SELECT account_id, sent_at FROM "${schemaOf(this.dataSource)}".send_log WHERE sent_at > $1`,
        [new Date(now - DAY_MS)],
      );
      const app = rows.map((r) => r.sent_at.getTime());
      const account = rows.filter((r) => r.account_id === accountId).map((r) => r.sent_at.getTime());
      const delay = this.adapter.sendDelay({ account, app }, now);
      if (delay <= 0) return;
      this.metrics.counter('omni_outbound_deferred_total', 'Sends deferred to respect provider quotas', ['channel']).inc({ channel: this.adapter.slug });
      this.logger.info({ channel: this.adapter.slug, delayMs: delay }, 'send quota reached, deferring');
      await sleepWithHeartbeat(delay, heartbeat);
    }
  }

  async record(accountId: string): Promise<void> {
    if (!this.adapter.sendDelay) return;
    await this.dataSource.getRepository(SendLogEntity).insert({ accountId, sentAt: new Date() });
    await this.dataSource.query(`DELETE FROM "${schemaOf(this.dataSource)}".send_log WHERE sent_at < $1`, [new Date(Date.now() - 2 * DAY_MS)]);
  }
}
