/**
 * `npm run contracts:docs`: (re)writes docs/schemas, docs/examples, docs/asyncapi.yaml and
 * docs/asyncapi.html from the topic registry and the proto; `-- --check` only reports stale files.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GENERATED_DIRS, generateContractDocs, root, type GeneratedFile } from './generate';

export function staleContractDocs(files: GeneratedFile[] = generateContractDocs()): string[] {
  const wanted = new Set(files.map((f) => f.path));
  const stale = files.filter((f) => !existsSync(join(root, f.path)) || readFileSync(join(root, f.path), 'utf8') !== f.content).map((f) => f.path);
  for (const dir of GENERATED_DIRS) {
    for (const name of existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : []) if (!wanted.has(`${dir}/${name}`)) stale.push(`${dir}/${name}`);
  }
  return stale;
}

function main(): void {
  const files = generateContractDocs();
  const stale = staleContractDocs(files);
  if (process.argv.includes('--check')) {
    if (stale.length) {
      process.stderr.write(`stale contract docs (run npm run contracts:docs):\n${stale.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write('contracts:docs: up to date\n');
    return;
  }
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  for (const path of stale) {
    const content = byPath.get(path);
    if (content === undefined) rmSync(join(root, path));
    else {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  }
  process.stdout.write(stale.length ? `contracts:docs: wrote ${stale.length} files\n` : 'contracts:docs: up to date\n');
}

if (require.main === module) main();
