import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ChannelAdapter, SendQuota } from '@omni/channel-sdk';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { schemaOf } from '@omni/persistence';
import { CHANNEL_ADAPTER } from './tokens';

const DAY_MS = 24 * 3_600_000;
/** Send log rows older than this are deleted (twice the longest window a provider has). */
const KEEP_MS = 2 * DAY_MS;
const PRUNE_EVERY_MS = 60_000;

/** Sleeps in slices, heartbeating, so the consumer group does not think this instance died. */
export async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  for (let waited = 0; waited < ms; waited += 2_000) {
    await sleep(Math.min(2_000, ms - waited));
    await heartbeat();
  }
}

/** A slot taken in the send log before a send; released when the provider did not take the send. */
export type SendReservation = { id: string } | undefined;

/**
 * Paces sends for channels with hard quotas (the adapter's `sendQuotas`, or its older `sendDelay`).
 * The send log is in PostgreSQL, so every instance of the gateway shares it. Checking the quota
 * and recording the send are one step: under a transaction-scoped advisory lock per gateway, the
 * pacer reads each window's `limit`-th newest send (an index scan of at most `limit` rows) and,
 * when every window has room, inserts the send before the lock is released. Concurrent partitions
 * and replicas therefore queue on the lock and never all see the same free slot. A send the
 * provider refuses gives its slot back (`release`).
 */
@Injectable()
export class SendPacer {
  private lastPrune = 0;

  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get paced(): boolean {
    return !!(this.adapter.sendQuotas || this.adapter.sendDelay);
  }

  /** Waits until a send from this account fits every quota, and reserves it. */
  async reserve(accountId: string, heartbeat: () => Promise<void>): Promise<SendReservation> {
    if (!this.paced) return undefined;
    for (;;) {
      const outcome = await this.tryReserve(accountId);
      if ('id' in outcome) return outcome;
      this.metrics.counter('omni_outbound_deferred_total', 'Sends deferred to respect provider quotas', ['channel']).inc({ channel: this.adapter.slug });
      this.logger.info({ channel: this.adapter.slug, delayMs: outcome.waitMs }, 'send quota reached, deferring');
      await sleepWithHeartbeat(outcome.waitMs, heartbeat);
    }
  }

  /** One atomic attempt: a reserved slot, or how long to wait before the next attempt. */
  async tryReserve(accountId: string, now = Date.now()): Promise<{ id: string } | { waitMs: number }> {
    const schema = schemaOf(this.dataSource);
    const outcome = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}.send_log`]);
      const waitMs = this.adapter.sendQuotas ? await this.quotaWait(manager, schema, accountId, now) : await this.legacyWait(manager, schema, accountId, now);
      if (waitMs > 0) return { waitMs };
      const [row] = (await manager.query(`INSERT INTO "${schema}".send_log (account_id, sent_at) VALUES ($1, $2) RETURNING id`, [accountId, new Date(now)])) as Array<{ id: string }>;
      return { id: String(row!.id) };
    });
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.dataSource.query(`DELETE FROM "${schema}".send_log WHERE sent_at < $1`, [new Date(now - KEEP_MS)]);
    }
    return outcome;
  }

  /** The provider did not take the send: its slot is free again. */
  async release(reservation: SendReservation): Promise<void> {
    if (!reservation) return;
    await this.dataSource.query(`DELETE FROM "${schemaOf(this.dataSource)}".send_log WHERE id = $1`, [reservation.id]);
  }

  /** Longest wait any window imposes: a full window opens when its limit-th newest send ages out. */
  private async quotaWait(manager: EntityManager, schema: string, accountId: string, now: number): Promise<number> {
    const { perAccount, perApp } = this.adapter.sendQuotas!;
    let wait = 0;
    const check = async (quota: SendQuota, account: string | undefined) => {
      const rows = (await manager.query(
        `SELECT sent_at FROM "${schema}".send_log WHERE ${account !== undefined ? 'account_id = $4 AND ' : ''}sent_at > $1 AND sent_at <= $2 ORDER BY sent_at DESC OFFSET $3 LIMIT 1`,
        [new Date(now - quota.windowMs), new Date(now), quota.limit - 1, ...(account !== undefined ? [account] : [])],
      )) as Array<{ sent_at: Date }>;
      if (rows[0]) wait = Math.max(wait, rows[0].sent_at.getTime() + quota.windowMs - now);
    };
    for (const quota of perAccount) await check(quota, accountId);
    for (const quota of perApp) await check(quota, undefined);
    return wait;
  }

  /** Adapters with only `sendDelay`: the last day of sends, still read under the lock. */
  private async legacyWait(manager: EntityManager, schema: string, accountId: string, now: number): Promise<number> {
    const rows = (await manager.query(`SELECT account_id, sent_at FROM "${schema}".send_log WHERE sent_at > $1`, [new Date(now - DAY_MS)])) as Array<{ account_id: string; sent_at: Date }>;
    const app = rows.map((r) => r.sent_at.getTime());
    const account = rows.filter((r) => r.account_id === accountId).map((r) => r.sent_at.getTime());
    return this.adapter.sendDelay!({ account, app }, now);
  }
}
