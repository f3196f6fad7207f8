import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { createLogger, Metrics } from '@omni/observability';
import { testEnv } from '@omni/testing';
import { openDataSource, schemaOf } from './database';
import { InboxPruner } from './inbox-pruner';

const HOUR = 3_600_000;
const quiet = createLogger({ service: 'pruner-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('inbox pruning on PostgreSQL', () => {
  let dataSource: DataSource;
  const now = Date.parse('2026-12-01T12:00:00.000Z');

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema: `prune_${randomUUID().slice(0, 8)}`, entities: [], migrations: [] });
  });

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schemaOf(dataSource)}" CASCADE`);
    await dataSource?.destroy();
  });

  it('deletes rows older than the retention, in bounded batches, and keeps the rest', async () => {
    const schema = schemaOf(dataSource);
    // 25 rows 15 days old, 5 rows 13 days old, 5 fresh ones.
    const rows: Array<[string, Date]> = [
      ...Array.from({ length: 25 }, (_, i): [string, Date] => [`old-${i}`, new Date(now - 15 * 24 * HOUR)]),
      ...Array.from({ length: 5 }, (_, i): [string, Date] => [`recent-${i}`, new Date(now - 13 * 24 * HOUR)]),
      ...Array.from({ length: 5 }, (_, i): [string, Date] => [`fresh-${i}`, new Date(now)]),
    ];
    for (const [id, at] of rows) await dataSource.query(`INSERT INTO "${schema}".inbox (consumer, event_id, processed_at) VALUES ('c', $1, $2)`, [id, at]);

    const pruner = new InboxPruner(dataSource, quiet, new Metrics('pruner-test', { defaultMetrics: false }), { retentionMs: 14 * 24 * HOUR, batchSize: 10, now: () => now });
    expect(await pruner.pruneOnce()).toBe(25);
    const left = (await dataSource.query(`SELECT event_id FROM "${schema}".inbox ORDER BY event_id`)) as Array<{ event_id: string }>;
    expect(left.map((r) => r.event_id)).toEqual([...rows.slice(25).map(([id]) => id)].sort());
    expect(await pruner.pruneOnce()).toBe(0);
  });

  it('refuses a retention that is not positive', () => {
    expect(() => new InboxPruner(dataSource, quiet, new Metrics('pruner-test', { defaultMetrics: false }), { retentionMs: 0 })).toThrow(RangeError);
  });
});
