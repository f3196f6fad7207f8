#!/usr/bin/env node
// `npm run bench`: benchmarks with percentile reports (never timed assertions in tests).
//   channels        pure channel code per call
//   pipeline        the real topology (eight service processes) on a real Kafka + PostgreSQL under an
//                   open-model webhook load from all four channels: idle CPU/RSS, a rate ladder up to
//                   saturation, the bare-kafkajs relay ceiling, no-loss check; report in tests/bench/results
//   pipeline-fault  (or `pipeline --fault`) services SIGKILLed and restarted in turn under load, then the broker
// Usage: npm run bench [-- channels|pipeline|pipeline-fault] [--quick] [--fault]
// `--quick` (or BENCH_QUICK=1): a couple of short low-rate steps, one to two minutes. Every knob: docs/benchmarks.md.
// Kafka: KAFKA_BROKERS when set, else a kafka-local broker started for the run; PostgreSQL: DATABASE_URL's server,
// else postgres://postgres@127.0.0.1:5432. Each run gets its own database and topic prefix (libs/testing's
// global setup), removed afterwards.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const which = args.filter((a) => !a.startsWith('--'));
const known = ['channels', 'pipeline', 'pipeline-fault'];
for (const name of which) {
  if (!known.includes(name)) {
    process.stderr.write(`bench: unknown benchmark '${name}' (choose from ${known.join(', ')})\n`);
    process.exit(2);
  }
}
const want = (name) => (!which.length && name !== 'pipeline-fault') || which.includes(name);
let failed = false;

function run(file, argv, env) {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'tests/bench/src', file), ...argv], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) failed = true;
}

if (want('channels')) run('channels.bench.ts', [], {});

const pipelines = [
  ...(want('pipeline') ? [flags.includes('--fault') ? ['--fault'] : []] : []),
  ...(want('pipeline-fault') ? [['--fault']] : []),
];
if (pipelines.length) {
  // Built services, started the way `npm start` starts them (node services/<name>/dist/main.js).
  const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('bench: build failed\n');
    process.exit(1);
  }
  // Without KAFKA_BROKERS the benchmark runs its own kafka-local broker (never a container), as `npm start` does.
  process.env.OMNI_TEST_INFRA ??= 'local';
  require('@swc-node/register');
  const setup = require(join(root, 'libs/testing/src/env/global-setup.ts')).default;
  const teardown = require(join(root, 'libs/testing/src/env/global-teardown.ts')).default;
  const { activeRuns } = require(join(root, 'libs/testing/src/env/infra.ts'));
  for (const extra of pipelines) {
    // A fresh database and topic prefix per run (and a fresh kafka-local broker when none was given).
    await setup();
    try {
      const state = activeRuns()[0]?.state ?? {};
      run('pipeline.bench.ts', [...flags.filter((f) => f !== '--fault'), ...extra], {
        BENCH_KAFKA_MODE: state.kafkaMode ?? 'external',
        ...(state.kafkaMode === 'kafka-local' && state.kafkaLocal ? { BENCH_KAFKA_LOCAL: JSON.stringify(state.kafkaLocal) } : {}),
      });
    } finally {
      await teardown();
    }
  }
}
process.exit(failed ? 1 : 0);
