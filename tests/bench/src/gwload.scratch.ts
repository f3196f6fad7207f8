import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_SECRETS, ROOT } from './lib/services';
import { customerOf, signedMessage } from './lib/webhooks';

const rate = Number(process.env.RATE ?? 100);
const seconds = Number(process.env.SECS ?? 20);
const port = 38123;
import { readdirSync } from 'node:fs';
const tasks = (pid: number) => Object.fromEntries(readdirSync(`/proc/${pid}/task`).map((t) => { const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'); const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.split(') ')[1]!.split(' '); return [`${t}:${name}`, (Number(f[11]) + Number(f[12])) * 10]; }));
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function main() {
  const nodeArgs = (process.env.GW_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...(process.env.GW_MAIN ? ['-r', '@swc-node/register', process.env.GW_MAIN] : [join(ROOT, 'services/gateway-messenger/dist/main.js')])], {
    cwd: ROOT, stdio: ['ignore', process.env.GW_OUT ? require('node:fs').openSync(process.env.GW_OUT, 'w') : 'ignore', 'inherit'],
    env: { ...process.env, ...BENCH_SECRETS, NODE_OPTIONS: '--max-semi-space-size=4', PORT: String(port), HOST: '127.0.0.1', KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/omni_scratch', OMNI_TOPIC_PREFIX: 'gwload.', LOG_LEVEL: 'warn', META_GRAPH_API_BASE_URL: 'http://127.0.0.1:9' },
  });
  for (;;) { try { const r = await fetch(`http://127.0.0.1:${port}/health/ready`); if (r.ok) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
  await new Promise((r) => setTimeout(r, 3000));
  const send = async (n: number) => { const w = signedMessage(customerOf('messenger', n), n, 'hello there, my order has not arrived', Date.now()); const t = performance.now(); const r = await fetch(`http://127.0.0.1:${port}${w.path}`, { method: 'POST', headers: w.headers, body: w.body }); await r.text(); if (r.status >= 300) throw new Error(String(r.status)); return performance.now() - t; };
  for (let i = 0; i < 200; i++) await send(1_000_000 + i); // warm
  const k0 = tasks(child.pid!); const c0 = cpu(child.pid!); const t0 = Date.now(); const lat: number[] = []; const inflight: Promise<void>[] = [];
  const total = rate * seconds; let kPrev = tasks(child.pid!); const iv = setInterval(() => { const k = tasks(child.pid!); console.log('window', Object.keys(k).map((x) => k[x]! - (kPrev[x] ?? 0)).join(' ')); kPrev = k; }, 5000);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate; const wait = due - Date.now(); if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(i).then((ms) => { lat.push(ms); }));
  }
  await Promise.all(inflight); clearInterval(iv);
  const c1 = cpu(child.pid!); const k1 = tasks(child.pid!); for (const k of Object.keys(k1)) { const d = k1[k]! - (k0[k] ?? 0); if (d > 0) console.log(k, d); } const wall = Date.now() - t0;
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ rate, total, wallMs: wall, cpuMsPerWebhook: (c1 - c0) / total, cpuPct: ((c1 - c0) / wall) * 100, p50: lat[Math.floor(total * 0.5)]!.toFixed(1), p99: lat[Math.floor(total * 0.99)]!.toFixed(1) }));
  child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r));
}
main().catch((e) => { console.error(e); process.exit(1); });
