#!/usr/bin/env node
// `npm start`: Kafka (KAFKA_BROKERS, else a local single-node broker from deploy/kafka-local),
// PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/omni; database created when
// missing, schemas and migrations by each service), a build, then every service. Prints where each
// listens once it is ready; Ctrl-C stops the services (SIGTERM, graceful) and then the broker.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const only = process.argv.slice(2); // optional: start just these services
const env = { ...process.env };
const log = (msg) => process.stdout.write(`omni: ${msg}\n`);

/**
 * Services run with a 4 MiB V8 young generation (default 16): ~30 MiB less RSS per idle service
 * for a few more, short scavenges. Kept when NODE_OPTIONS already sets it.
 */
function serviceNodeOptions(current = '') {
  return /--max-semi-space-size/.test(current) ? current : `${current} --max-semi-space-size=4`.trim();
}

let startedKafka = false;
const children = new Map();
let stopping = false;

async function main() {
  const began = Date.now();
  if (!env.KAFKA_BROKERS) {
    log('KAFKA_BROKERS not set: starting a local Kafka broker (deploy/kafka-local)…');
    const kafka = spawnSync('bash', [join(root, 'deploy/kafka-local/kafka-local.sh'), 'start'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (kafka.status !== 0) throw new Error('could not start the local Kafka broker (see above)');
    env.KAFKA_BROKERS = kafka.stdout.trim().split('\n').pop();
    startedKafka = true;
  }
  env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/omni';
  log(`Kafka ${env.KAFKA_BROKERS}, PostgreSQL ${env.DATABASE_URL.replace(/\/\/[^@]*@/, '//…@')}`);

  const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  // Services, ports and development placeholders all come from the service catalog, so a fresh
  // checkout starts without provider accounts. Real deployments set these (see the README's
  // configuration table); webhooks signed with other secrets are refused.
  const { SERVICES, SINGLE_NODE_TOPIC_PARTITIONS, devSecrets } = require(join(root, 'libs/service-kit/dist/catalog.js'));
  const DEV_SECRETS = devSecrets();

  // One instance of each service here: fewer partitions make fuller batches (see the catalog).
  env.KAFKA_TOPIC_PARTITIONS ??= String(SINGLE_NODE_TOPIC_PARTITIONS);

  const missing = Object.keys(DEV_SECRETS).filter((name) => !env[name]);
  if (missing.length) log(`using development placeholders for ${missing.join(', ')}`);
  for (const name of missing) env[name] = DEV_SECRETS[name];

  const services = SERVICES.filter((s) => !only.length || only.includes(s.name));
  for (const service of services) {
    const child = spawn(process.execPath, [join(root, 'services', service.name, 'dist/main.js')], {
      cwd: root,
      env: { ...env, NODE_OPTIONS: serviceNodeOptions(env.NODE_OPTIONS), PORT: String(service.port), OTEL_SERVICE_NAME: env.OTEL_SERVICE_NAME ?? service.name, SERVICE: service.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(service.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.on('data', (chunk) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) process.stdout.write(`[${service.name}] ${line}\n`);
      });
    }
    child.on('exit', (code, signal) => {
      children.delete(service.name);
      if (!stopping) {
        log(`${service.name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
  }

  const pending = new Set(services.map((s) => s.name));
  const deadline = Date.now() + 180_000;
  while (pending.size && Date.now() < deadline && !stopping) {
    for (const service of services.filter((s) => pending.has(s.name))) {
      const ready = await fetch(`http://127.0.0.1:${service.port}/health/ready`).then((r) => r.ok, () => false);
      if (ready) pending.delete(service.name);
    }
    if (pending.size) await sleep(500);
  }
  if (stopping) return;
  if (pending.size) throw new Error(`not ready after 180 s: ${[...pending].join(', ')}`);
  log(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s:`);
  for (const s of services) log(`  ${s.name.padEnd(18)} http://127.0.0.1:${s.port}  (health /health/ready, metrics /metrics, API /docs)`);
  if (env.AUTH_JWT_SECRET === DEV_SECRETS.AUTH_JWT_SECRET) {
    // The APIs need a bearer token: hand the developer an admin one, signed with the dev secret.
    const { SignJWT } = require('jose');
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('dev-admin')
      .setIssuedAt()
      .setExpirationTime('30d')
      .sign(new TextEncoder().encode(env.AUTH_JWT_SECRET));
    log('development admin token (30 days; APIs need "Authorization: Bearer <token>"):');
    log(`  export OMNI_TOKEN=${token}`);
  }
  log('Ctrl-C stops everything.');
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping services…');
  const exits = [...children.values()].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children.values()) child.kill('SIGTERM');
  const timeout = sleep(30_000).then(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  });
  await Promise.race([Promise.all(exits), timeout]);
  if (startedKafka) {
    log('stopping the local Kafka broker…');
    spawnSync('bash', [join(root, 'deploy/kafka-local/kafka-local.sh'), 'stop'], { cwd: root, stdio: 'inherit' });
  }
  log('stopped.');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  log(`error: ${err.message}`);
  void shutdown(1);
});
