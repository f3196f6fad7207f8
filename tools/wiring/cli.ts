/**
 * `npm run wiring`: (re)writes the files generated from the service catalog and removes generated
 * files no catalog entry produces any more. `npm run wiring -- --check` only reports stale files
 * (exit 1), as tests/deploy/wiring.spec.ts does.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GENERATED_DIRS, generateWiring } from './generate';

const root = join(__dirname, '../..');

export function staleFiles(): string[] {
  const files = generateWiring();
  const wanted = new Set(files.map((f) => f.path));
  const stale = files.filter((f) => !existsSync(join(root, f.path)) || readFileSync(join(root, f.path), 'utf8') !== f.content).map((f) => f.path);
  for (const dir of GENERATED_DIRS) {
    for (const name of existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : []) if (!wanted.has(`${dir}/${name}`)) stale.push(`${dir}/${name}`);
  }
  return stale;
}

function main(): void {
  const check = process.argv.includes('--check');
  const stale = staleFiles();
  if (check) {
    if (stale.length) {
      process.stderr.write(`stale generated files (run npm run wiring):\n${stale.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write('wiring: every generated file is up to date\n');
    return;
  }
  const files = new Map(generateWiring().map((f) => [f.path, f.content]));
  for (const path of stale) {
    const content = files.get(path);
    if (content === undefined) rmSync(join(root, path));
    else {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  }
  process.stdout.write(stale.length ? `wiring: wrote ${stale.join(', ')}\n` : 'wiring: every generated file is up to date\n');
}

if (require.main === module) main();
