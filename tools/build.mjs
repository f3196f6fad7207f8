#!/usr/bin/env node
// Compiles TypeScript sources to CommonJS with swc (keeps decorator metadata for Nest/TypeORM):
// <project>/src/**/*.ts -> <project>/dist/**/*.js, tests excluded. Type checking is `npm run
// typecheck` (tsc), kept separate so builds stay fast. Usage: build.mjs [projectDir …] (default: all).
import { transformFile } from '@swc/core';
import { readFileSync, readdirSync, mkdirSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

export function listProjects() {
  const dirs = [];
  for (const parent of ['libs', 'libs/channels', 'services']) {
    const abs = join(root, parent);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      const dir = join(abs, name);
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) dirs.push(dir);
    }
  }
  return dirs;
}

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.ts$/.test(name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

async function buildProject(dir) {
  const src = join(dir, 'src');
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const files = sources(src);
  await Promise.all(
    files.map(async (file) => {
      const out = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
      const { code, map } = await transformFile(file, { ...swcrc, swcrc: false, filename: file, sourceMaps: true });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
      if (map) writeFileSync(`${out}.map`, map);
    }),
  );
  return files.length;
}

const args = process.argv.slice(2);
const projects = args.length ? args.map((a) => resolve(root, a)) : listProjects();
const started = Date.now();
let count = 0;
for (const dir of projects) count += await buildProject(dir);
console.log(`built ${projects.length} projects (${count} files) in ${Date.now() - started} ms`);
