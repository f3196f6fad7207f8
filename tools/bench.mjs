#!/usr/bin/env node
// `npm run bench`: benchmarks with percentile reports (never timed assertions in tests).
//   channels  — pure channel code per call
//   pipeline  — webhook → assigned on a real Kafka + PostgreSQL (the test environment's global
//               setup provides them: KAFKA_BROKERS / DATABASE_URL, else kafka-local)
// Usage: npm run bench [-- channels|pipeline]. BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_ITERATIONS tune them.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const which = process.argv.slice(2);
const want = (name) => !which.length || which.includes(name);
let failed = false;

function run(file, env) {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'tests/bench/src', file)], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) failed = true;
}

if (want('channels')) run('channels.bench.ts', {});
if (want('pipeline')) {
  // Reuse the test environment set-up: real broker + a fresh database, torn down afterwards.
  require('@swc-node/register');
  const setup = require(join(root, 'libs/testing/src/env/global-setup.ts')).default;
  const teardown = require(join(root, 'libs/testing/src/env/global-teardown.ts')).default;
  await setup();
  try {
    run('pipeline.bench.ts', { LOG_LEVEL: 'silent', E2E_LOG_LEVEL: 'silent' });
  } finally {
    await teardown();
  }
}
process.exit(failed ? 1 : 0);
