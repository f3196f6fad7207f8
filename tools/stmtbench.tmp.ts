// per-statement client CPU of Omni's DB stack: raw pg vs typeorm DataSource (PreparingClient), with/without OTel
import { startTelemetry } from '@omni/observability';
const withOtel = process.env.OTEL === '1';
if (withOtel) startTelemetry({ serviceName: 'stmtbench' } as never);
// eslint-disable-next-line
const { openDataSource } = require('@omni/persistence');
(async () => {
  const ds = await openDataSource({ url: 'postgres://postgres@127.0.0.1:5432/postgres', schema: 'stmtbench', entities: [], migrations: [] });
  const n = 4000;
  for (let i = 0; i < 500; i++) await ds.query('SELECT $1::int AS v', [i]);
  let cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await ds.query('SELECT $1::int AS v', [i]);
  let c = process.cpuUsage(cpu0);
  console.log(withOtel ? 'otel  ' : 'no-otel', 'ds.query cpu µs', ((c.user + c.system) / n).toFixed(1));
  cpu0 = process.cpuUsage();
  for (let i = 0; i < n / 4; i++) await ds.transaction(async (m: { query: (q: string, p: unknown[]) => Promise<unknown> }) => { await m.query('SELECT $1::int AS v', [i]); await m.query('SELECT $1::int AS v', [i]); });
  c = process.cpuUsage(cpu0);
  console.log(withOtel ? 'otel  ' : 'no-otel', 'transaction(2 stmts) cpu µs', ((c.user + c.system) / (n / 4)).toFixed(1));
  await ds.destroy();
  process.exit(0);
})();
