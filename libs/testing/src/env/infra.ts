/**
 * The moving parts behind global-setup.ts / global-teardown.ts: choosing and starting Kafka
 * (given brokers, Testcontainers, or deploy/kafka-local), the per-run PostgreSQL database, and the
 * bookkeeping that lets teardown (or the next run, after a crash) undo exactly what setup did.
 * Not for specs: they use ./index.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { freePorts, waitFor } from './index';

export const KAFKA_LOCAL_SCRIPT = resolve(__dirname, '../../../../deploy/kafka-local/kafka-local.sh');
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Testcontainers' KafkaContainer drives Confluent's image; cp-kafka 7.9 is Apache Kafka 3.9. */
const DEFAULT_KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const DEFAULT_POSTGRES_IMAGE = 'postgres:15-alpine';
/** Where each run records what it started, so a crashed run can be cleaned up by the next one. */
const STATE_DIR = join(tmpdir(), 'omni-test-env');
/** Env variables setup overrides (and teardown restores). */
export const EXPORTED_ENV = ['KAFKA_BROKERS', 'DATABASE_URL', 'OMNI_TOPIC_PREFIX', 'OMNI_TEST_ENV'] as const;

export interface KafkaLocalInstance {
  port: number;
  controllerPort: number;
  dir: string;
}

/** Everything teardown needs; JSON-serialisable except the live container handles. */
export interface RunState {
  runId: string;
  ownerPid: number;
  startedAt: string;
  keepDb: boolean;
  previousEnv: Partial<Record<(typeof EXPORTED_ENV)[number], string>>;
  kafkaMode?: 'external' | 'testcontainers' | 'kafka-local';
  kafkaBrokers?: string;
  kafkaLocal?: KafkaLocalInstance;
  topicPrefix?: string;
  /** Server-level URL used to create/drop the run's database. */
  adminDatabaseUrl?: string;
  database?: string;
}

export interface StartedContainer {
  stop(): Promise<unknown>;
}

/** Live container handles (not serialisable), kept beside the state in the jest parent process. */
export interface RunHandles {
  containers: StartedContainer[];
}

export function newRunId(): string {
  // Lower-case alphanumerics only: safe unquoted in a database name, a topic name and a path.
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(errorMessage).join('; ');
  return error instanceof Error ? error.message : String(error);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Docker

/**
 * True when Testcontainers can reach a container runtime. Uses Testcontainers' own discovery
 * (DOCKER_HOST, ~/.testcontainers.properties, the usual sockets, rootless/Colima/Podman) so the
 * answer matches what starting a container would find; bounded because a half-dead daemon can hang.
 */
export async function dockerAvailable(timeoutMs = 8_000): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await withTimeout(getContainerRuntimeClient(), timeoutMs, 'container runtime probe');
    return true;
  } catch {
    return false;
  }
}

export async function startKafkaContainer(): Promise<{ brokers: string; container: StartedContainer; image: string }> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const image = process.env.OMNI_TEST_KAFKA_IMAGE || DEFAULT_KAFKA_IMAGE;
  const container = await new KafkaContainer(image)
    .withKraft()
    // Same broker behaviour as kafka-local and docker-compose.yml.
    .withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
    .start();
  // 9093 is the container's host-facing PLAINTEXT listener in @testcontainers/kafka.
  return { brokers: `${container.getHost()}:${container.getMappedPort(9093)}`, container, image };
}

export async function startPostgresContainer(): Promise<{ url: string; container: StartedContainer; image: string }> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const image = process.env.OMNI_TEST_POSTGRES_IMAGE || DEFAULT_POSTGRES_IMAGE;
  const container = await new PostgreSqlContainer(image).start();
  return { url: container.getConnectionUri(), container, image };
}

// ---------------------------------------------------------------------------------------------
// kafka-local

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runKafkaLocal(command: 'start' | 'stop', instance: KafkaLocalInstance, timeoutMs: number): Promise<ScriptResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [KAFKA_LOCAL_SCRIPT, command], {
      env: {
        ...process.env,
        KAFKA_LOCAL_PORT: String(instance.port),
        KAFKA_LOCAL_CONTROLLER_PORT: String(instance.controllerPort),
        KAFKA_LOCAL_DIR: instance.dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      // The one-off jar download takes a while: say so instead of looking stuck.
      if (/fetching Kafka jars/.test(text)) process.stderr.write(`[omni test env] ${text.trim()}\n`);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`kafka-local.sh ${command} did not finish within ${timeoutMs} ms\n${stderr.trim()}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run bash ${KAFKA_LOCAL_SCRIPT}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * Starts deploy/kafka-local on a free port pair with its own data dir under the OS temp dir.
 * Retries once with new ports: another process may grab a port between choosing and binding it.
 */
export async function startKafkaLocal(runId: string, onInstance: (i: KafkaLocalInstance) => void): Promise<string> {
  if (!existsSync(KAFKA_LOCAL_SCRIPT)) throw new Error(`kafka-local script missing at ${KAFKA_LOCAL_SCRIPT}`);
  let lastFailure = '';
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const [port, controllerPort] = await freePorts(2);
    const dir = mkdtempSync(join(tmpdir(), `omni-kafka-${runId}-`));
    const instance = { port, controllerPort, dir };
    onInstance(instance);
    // Generous: the first run on a machine downloads the jars (~56 MB) before starting.
    const result = await runKafkaLocal('start', instance, 15 * 60_000);
    if (result.code === 0) {
      const address = result.stdout.trim().split('\n').pop() ?? '';
      if (!address) throw new Error('kafka-local.sh start succeeded but printed no bootstrap address');
      return address;
    }
    lastFailure = result.stderr.trim();
    await stopKafkaLocal(instance).catch(() => undefined);
    if (!/already in use/.test(lastFailure)) break;
  }
  throw new Error(
    `could not start deploy/kafka-local (needs Java 11+, and Maven once to fetch the jars; or set KAFKA_BROKERS):\n${lastFailure}`,
  );
}

/** Stops the broker and removes its data dir. */
export async function stopKafkaLocal(instance: KafkaLocalInstance): Promise<void> {
  const result = await runKafkaLocal('stop', instance, 60_000);
  if (result.code !== 0) throw new Error(`kafka-local.sh stop failed for ${instance.dir}:\n${result.stderr.trim()}`);
  rmSync(instance.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Kafka readiness / cleanup (any mode)

function kafkaAdmin(brokers: string) {
  const kafka = new Kafka({
    clientId: 'omni-test-env',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 1 },
  });
  return kafka.admin();
}

/** A real metadata round trip, so specs never start against a broker that is still booting. */
export async function waitForKafka(brokers: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const admin = kafkaAdmin(brokers);
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 500, description: `Kafka at ${brokers} to answer a metadata request` },
  );
}

/** On a shared broker (KAFKA_BROKERS given) remove this run's topics; throwaway brokers need not. */
export async function deleteTopicsWithPrefix(brokers: string, prefix: string): Promise<number> {
  const admin = kafkaAdmin(brokers);
  try {
    await withTimeout(admin.connect(), 15_000, 'Kafka admin connect');
    const topics = (await withTimeout(admin.listTopics(), 15_000, 'Kafka listTopics')).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await withTimeout(admin.deleteTopics({ topics, timeout: 15_000 }), 20_000, 'Kafka deleteTopics');
    return topics.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withPg<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot connect to PostgreSQL at ${describeUrl(adminUrl)} (${errorMessage(error)}); start PostgreSQL or set DATABASE_URL`,
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createDatabase(adminUrl: string, database: string): Promise<void> {
  await withPg(adminUrl, async (client) => {
    try {
      // Names come from newRunId(): [a-z0-9_] only, so quoting is enough.
      await client.query(`CREATE DATABASE "${database}"`);
    } catch (error) {
      throw new Error(
        `CREATE DATABASE ${database} failed on ${describeUrl(adminUrl)}: ${errorMessage(error)} ` +
          `(the DATABASE_URL role needs CREATEDB)`,
        { cause: error },
      );
    }
  });
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await withPg(adminUrl, async (client) => {
    try {
      // FORCE (PostgreSQL 13+) ends connections a leaky test left open instead of failing.
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42601') throw error;
      await client.query(`DROP DATABASE IF EXISTS "${database}"`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Run state

export function stateFile(runId: string): string {
  return join(STATE_DIR, `${runId}.json`);
}

export function saveState(state: RunState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const file = stateFile(state.runId);
  // May hold a DATABASE_URL with a password: readable by this user only.
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function removeState(runId: string): void {
  rmSync(stateFile(runId), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but someone else's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Undo what a run recorded. Every step is attempted; failures are collected, not short-circuited. */
export async function releaseRun(state: RunState, handles?: RunHandles, { deleteTopics = true } = {}): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${errorMessage(error)}`);
    }
  };
  if (deleteTopics && state.kafkaMode === 'external' && state.kafkaBrokers && state.topicPrefix) {
    const { kafkaBrokers, topicPrefix } = state;
    await attempt(`deleting topics ${topicPrefix}* on ${kafkaBrokers}`, () => deleteTopicsWithPrefix(kafkaBrokers, topicPrefix));
  }
  if (state.adminDatabaseUrl && state.database && !state.keepDb) {
    const { adminDatabaseUrl, database } = state;
    await attempt(`dropping database ${database}`, () => dropDatabase(adminDatabaseUrl, database));
  }
  if (state.kafkaLocal) {
    const instance = state.kafkaLocal;
    await attempt(`stopping kafka-local in ${instance.dir}`, () => stopKafkaLocal(instance));
  }
  for (const container of handles?.containers ?? []) {
    await attempt('stopping container', () => container.stop());
  }
  removeState(state.runId);
  return problems;
}

/**
 * Cleans up after earlier runs whose jest process died before teardown (Ctrl-C twice, OOM, a CI
 * cancel): their kafka-local broker would otherwise keep running and their database linger.
 * Containers need no help: Testcontainers' reaper removes them when their owner disappears.
 */
export async function reapStaleRuns(): Promise<void> {
  if (!existsSync(STATE_DIR)) return;
  for (const name of readdirSync(STATE_DIR).filter((n) => n.endsWith('.json'))) {
    let state: RunState;
    try {
      state = JSON.parse(readFileSync(join(STATE_DIR, name), 'utf8')) as RunState;
    } catch {
      continue;
    }
    if (!state.runId || !state.ownerPid || processAlive(state.ownerPid)) continue;
    // Topics on a shared broker are left alone here: that broker may be long gone, and a prefix
    // nobody uses again costs nothing.
    const problems = await releaseRun(state, undefined, { deleteTopics: false });
    process.stderr.write(
      `[omni test env] cleaned up after dead run ${state.runId} (pid ${state.ownerPid})` +
        (problems.length ? `; could not: ${problems.join('; ')}` : '') +
        '\n',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Runs live in the jest parent process: setup pushes, teardown pops. globalThis rather than a module
// variable because jest loads the setup and teardown modules separately.

export interface ActiveRun {
  state: RunState;
  handles: RunHandles;
  /** False for a nested setup (several jest projects with this globalSetup) that reused the outer run. */
  owner: boolean;
}

const RUNS_KEY = Symbol.for('omni.testing.env.runs');

export function activeRuns(): ActiveRun[] {
  const g = globalThis as unknown as Record<symbol, ActiveRun[] | undefined>;
  return (g[RUNS_KEY] ??= []);
}

export function restoreEnv(previous: RunState['previousEnv']): void {
  for (const name of EXPORTED_ENV) {
    const value = previous[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
