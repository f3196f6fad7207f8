#!/usr/bin/env node
// Generates Python or Java code from proto/ with buf (npm) and protoc's built-in generators, protoc
// fetched from Maven Central (com.google.protobuf:protoc, the artifact protobuf's Maven plugin uses)
// and verified against a pinned SHA-256. Remote buf.build plugins are not used: CRM build
// machines (and this project's CI) may only reach npm and Maven Central.
//   node tools/proto-gen-lang.mjs python|java [--out DIR]   (default out: gen/<lang>)
//   node tools/proto-gen-lang.mjs --ensure                  (only fetch protoc; exit 3 when unreachable)
//   node tools/proto-gen-lang.mjs --java-runtime            (fetch protobuf-java, print its path: tests compile against it)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROTOC_VERSION = '4.36.2'; // protoc 36.2
// SHA-256 of each platform's binary, computed when the version was pinned.
const PROTOC_SHA256 = {
  'linux-x86_64': 'f6ee22d65361338459208da8bff801c9ca689741cba9187b34990dd45198f864',
};
const MAVEN = process.env.MAVEN_CENTRAL_URL ?? 'https://repo1.maven.org/maven2';
/** The Java runtime matching protoc 36.x (com.google.protobuf:protobuf-java). */
const JAVA_RUNTIME = { version: '4.36.2', sha256: '0773e72eaf375e1285df330575bfec5bda5da674d544d0e142a17f89c8f754da' };

function classifier() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'windows' }[platform()];
  const cpu = { x64: 'x86_64', arm64: 'aarch_64' }[arch()];
  return `${os}-${cpu}`;
}

/** protoc from the cache, else from Maven Central (checksum-verified). */
export async function ensureProtoc() {
  const platformId = classifier();
  const expected = PROTOC_SHA256[platformId];
  if (!expected) throw new Error(`no pinned protoc checksum for ${platformId}: add it to tools/proto-gen-lang.mjs`);
  const path = `com/google/protobuf/protoc/${PROTOC_VERSION}/protoc-${PROTOC_VERSION}-${platformId}.exe`;
  return ensureArtifact(path, join(PROTOC_VERSION, 'protoc'), expected, 0o755);
}

export async function ensureJavaRuntime() {
  const path = `com/google/protobuf/protobuf-java/${JAVA_RUNTIME.version}/protobuf-java-${JAVA_RUNTIME.version}.jar`;
  return ensureArtifact(path, `protobuf-java-${JAVA_RUNTIME.version}.jar`, JAVA_RUNTIME.sha256, 0o644);
}

/** A Maven Central file in node_modules/.cache/omni-protoc, downloaded once and checksum-verified. */
async function ensureArtifact(mavenPath, cacheName, expected, mode) {
  const bin = join(root, 'node_modules/.cache/omni-protoc', cacheName);
  const dir = dirname(bin);
  if (existsSync(bin) && createHash('sha256').update(readFileSync(bin)).digest('hex') === expected) return bin;
  const url = `${MAVEN}/${mavenPath}`;
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    const e = new Error(`Maven Central unreachable (${url}): ${err.cause?.code ?? err.message}`);
    e.unreachable = true;
    throw e;
  }
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) throw new Error(`${mavenPath}: checksum mismatch: expected ${expected}, got ${actual}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${bin}.tmp`, bytes);
  chmodSync(`${bin}.tmp`, mode);
  renameSync(`${bin}.tmp`, bin);
  return bin;
}

export async function generate(lang, out) {
  const template = join(root, `buf.gen.${lang}.yaml`);
  if (!existsSync(template)) throw new Error(`no buf.gen.${lang}.yaml`);
  const protoc = await ensureProtoc();
  const text = readFileSync(template, 'utf8')
    .replace(/out: gen\/\w+/g, `out: ${out}`)
    .replace(/( *)- protoc_builtin: (\w+)/g, (_m, indent, name) => `${indent}- protoc_builtin: ${name}\n${indent}  protoc_path: ${protoc}`);
  const tmp = mkdtempSync(join(tmpdir(), 'omni-buf-'));
  try {
    writeFileSync(join(tmp, 'buf.gen.yaml'), text);
    rmSync(out, { recursive: true, force: true });
    execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', join(tmp, 'buf.gen.yaml')], { cwd: root, stdio: 'inherit' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
try {
  if (args[0] === '--ensure') {
    process.stdout.write(`${await ensureProtoc()}\n`);
  } else if (args[0] === '--java-runtime') {
    process.stdout.write(`${await ensureJavaRuntime()}\n`);
  } else {
    const lang = args[0];
    if (!['python', 'java'].includes(lang)) throw new Error('usage: proto-gen-lang.mjs python|java [--out DIR]');
    const outIdx = args.indexOf('--out');
    await generate(lang, outIdx > 0 ? resolve(args[outIdx + 1]) : join(root, 'gen', lang));
  }
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(err.unreachable ? 3 : 1);
}
