import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { ChannelAdapter } from '@omni/channel-sdk';
import { createLogger, Metrics } from '@omni/observability';
import { openDataSource } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { GATEWAY_DATABASE } from './gateway.module';
import { SendPacer } from './send-pacer';

const MIN = 60_000;
const quiet = createLogger({ service: 'pacer-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
// X's quotas, with the app's day quota lowered to 20 so the test can fill it.
const adapter = {
  slug: 'twitter',
  sendQuotas: {
    perAccount: [
      { name: 'user 15/15min', limit: 15, windowMs: 15 * MIN },
      { name: 'user 1440/24h', limit: 1440, windowMs: 24 * 60 * MIN },
    ],
    perApp: [{ name: 'app 20/24h', limit: 20, windowMs: 24 * 60 * MIN }],
  },
} as unknown as ChannelAdapter;

describe('SendPacer on PostgreSQL (X quotas under concurrent sends)', () => {
  let dataSource: DataSource;
  let pacer: SendPacer;
  const t0 = Date.parse('2026-12-01T12:00:00.000Z');

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema: `pacer_${randomUUID().slice(0, 8)}`, ...GATEWAY_DATABASE, poolSize: 20 });
    pacer = new SendPacer(adapter, dataSource, new Metrics('pacer-test', { defaultMetrics: false }), quiet);
  });

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${(dataSource.options as { schema: string }).schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('40 concurrent sends from one account: exactly 15 get a slot, the others wait until the oldest ages out', async () => {
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => pacer.tryReserve('acct-a', t0)));
    const reserved = outcomes.filter((o) => 'id' in o);
    expect(reserved).toHaveLength(15);
    expect(new Set(outcomes.filter((o) => 'waitMs' in o).map((o) => (o as { waitMs: number }).waitMs))).toEqual(new Set([15 * MIN]));
    expect((await pacer.tryReserve('acct-a', t0 + 15 * MIN - 1)) as object).toEqual({ waitMs: 1 });
    expect(await pacer.tryReserve('acct-a', t0 + 15 * MIN)).toHaveProperty('id');
  });

  it("the app's quota holds across accounts: 10 concurrent sends from another account get the 4 slots left of 20", async () => {
    const at = t0 + 15 * MIN + 1;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => pacer.tryReserve('acct-b', at)));
    expect(outcomes.filter((o) => 'id' in o)).toHaveLength(4);
  });

  it('a released slot (the provider refused the send) is free again', async () => {
    const at = t0 + 15 * MIN + 2;
    const blocked = await pacer.tryReserve('acct-c', at);
    expect(blocked).toHaveProperty('waitMs');
    const [row] = (await dataSource.query(`SELECT id FROM "${(dataSource.options as { schema: string }).schema}".send_log WHERE account_id = 'acct-b' LIMIT 1`)) as Array<{ id: string }>;
    await pacer.release({ id: String(row!.id) });
    expect(await pacer.tryReserve('acct-c', at)).toHaveProperty('id');
  });

  it('reads through the (account_id, sent_at) index, not the whole day of sends', async () => {
    const schema = (dataSource.options as { schema: string }).schema;
    // One connection for the SET and the EXPLAIN (a pool would hand out another).
    const runner = dataSource.createQueryRunner();
    let plan: Array<{ 'QUERY PLAN': string }>;
    try {
      await runner.query('SET enable_seqscan = off');
      plan = (await runner.query(
        `EXPLAIN SELECT sent_at FROM "${schema}".send_log WHERE account_id = $4 AND sent_at > $1 AND sent_at <= $2 ORDER BY sent_at DESC OFFSET $3 LIMIT 1`,
        [new Date(t0), new Date(t0 + MIN), 14, 'acct-a'],
      )) as Array<{ 'QUERY PLAN': string }>;
      await runner.query('RESET enable_seqscan');
    } finally {
      await runner.release();
    }
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('send_log_account_recent');
  });
});
