#!/usr/bin/env node
// Regenerates libs/contracts/src/gen from proto/ with buf + protoc-gen-es (both from npm, no
// protoc download). `--out DIR` writes elsewhere; the staleness test uses it to compare.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIdx = process.argv.indexOf('--out');
const out = outIdx > 0 ? resolve(process.argv[outIdx + 1]) : join(root, 'libs/contracts/src/gen');
const bin = join(root, 'node_modules/.bin');

const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace('out: libs/contracts/src/gen', `out: ${out}`);
const tmp = mkdtempSync(join(tmpdir(), 'omni-buf-'));
const tmpl = join(tmp, 'buf.gen.yaml');
writeFileSync(tmpl, template);
try {
  rmSync(out, { recursive: true, force: true });
  execFileSync(join(bin, 'buf'), ['generate', '--template', tmpl], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
