#!/usr/bin/env node
// `npm test`: type-check the whole workspace, then run every jest project (unit, integration and
// e2e, on a real Kafka broker and a real PostgreSQL) in one jest run, and end with one summary line
// "N passed, N failed, N skipped" that CI reads. Extra arguments go to jest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(title) {
  process.stdout.write(`\n── ${title}\n`);
}

step('type-check (tsc --noEmit)');
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
if (tsc.status === 0) passed++;
else failed++;

step('jest (unit, integration, e2e)');
const out = mkdtempSync(join(tmpdir(), 'omni-jest-'));
const report = join(out, 'report.json');
// --forceExit: a leaked handle must never hang CI; jest still reports open handles it notices.
const jestArgs = ['--json', `--outputFile=${report}`, '--forceExit', ...(process.env.CI ? ['--ci'] : []), ...process.argv.slice(2)];
const jest = spawnSync(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), ...jestArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-old-space-size=4096'].filter(Boolean).join(' ') },
});
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
  // A suite that failed to run (syntax error, failing hook) has no failed test of its own: count it.
  failed += results.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed')).length;
} catch {
  failed++;
  process.stdout.write('jest produced no report\n');
}
rmSync(out, { recursive: true, force: true });
if (jest.status !== 0 && failed === 0) failed++;

process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
