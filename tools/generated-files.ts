/**
 * What `npm run wiring` and `npm run contracts:docs` share: files generated from one source of
 * truth (the service catalog, the topic registry), compared with what is checked in, and written
 * (or, in directories the generator owns, removed) when they differ. `-- --check` only reports.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const repoRoot = join(__dirname, '..');

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

/**
 * Paths whose checked-in content differs from `files`, plus files in `ownedDirs` (directories
 * whose every file is generated) that no generated file produces any more.
 */
export function staleGenerated(files: readonly GeneratedFile[], ownedDirs: readonly string[]): string[] {
  const wanted = new Set(files.map((f) => f.path));
  const stale = files.filter((f) => !existsSync(join(repoRoot, f.path)) || readFileSync(join(repoRoot, f.path), 'utf8') !== f.content).map((f) => f.path);
  for (const dir of ownedDirs) {
    for (const name of existsSync(join(repoRoot, dir)) ? readdirSync(join(repoRoot, dir)) : []) if (!wanted.has(`${dir}/${name}`)) stale.push(`${dir}/${name}`);
  }
  return stale;
}

export interface GeneratorCli {
  /** Prefix of the messages, e.g. 'wiring'. */
  name: string;
  /** What the files are, in the --check failure ('stale <kind> (run <command>)'). */
  kind: string;
  /** The command that regenerates, named in the --check failure. */
  command: string;
  files: readonly GeneratedFile[];
  ownedDirs: readonly string[];
  /** What a write reports, given the paths written or removed. */
  wrote: (stale: readonly string[]) => string;
  upToDate: string;
}

/** The generator's command line: `--check` exits 1 listing stale files; otherwise brings them up to date. */
export function runGeneratorCli(cli: GeneratorCli): void {
  const stale = staleGenerated(cli.files, cli.ownedDirs);
  if (process.argv.includes('--check')) {
    if (stale.length) {
      process.stderr.write(`stale ${cli.kind} (run ${cli.command}):\n${stale.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write(`${cli.name}: ${cli.upToDate}\n`);
    return;
  }
  const byPath = new Map(cli.files.map((f) => [f.path, f.content]));
  for (const path of stale) {
    const content = byPath.get(path);
    if (content === undefined) rmSync(join(repoRoot, path));
    else {
      mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
      writeFileSync(join(repoRoot, path), content);
    }
  }
  process.stdout.write(`${cli.name}: ${stale.length ? cli.wrote(stale) : cli.upToDate}\n`);
}
