#!/usr/bin/env node
// `npm run fuzz`: the long gateway fuzz run. Posts OMNI_FUZZ_RUNS (default 10,000) generated bodies
// to every gateway (tests/e2e/src/fuzz.e2e-spec.ts, the same properties `npm test` checks with 60),
// through the real services on Kafka and PostgreSQL, then prints the figures and writes them to
// fuzz-report.json. Extra arguments go to jest. OMNI_FUZZ_SEED picks another sequence.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  OMNI_FUZZ_RUNS: process.env.OMNI_FUZZ_RUNS ?? '10000',
  OMNI_FUZZ_REPORT: process.env.OMNI_FUZZ_REPORT ?? join(root, 'fuzz-report.json'),
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-old-space-size=4096'].filter(Boolean).join(' '),
};
const args = [join(root, 'node_modules/jest/bin/jest.js'), '-c', 'tests/e2e/jest.config.js', 'tests/e2e/src/fuzz.e2e-spec.ts', '--forceExit', ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
process.exit(run.status ?? 1);
