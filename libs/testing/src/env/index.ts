/**
 * What integration/e2e tests use from the test environment. The environment itself (a real Kafka
 * broker, a per-run PostgreSQL database, a per-run topic prefix) is prepared once per jest run by
 * `global-setup.ts`, which hands it to the test workers through process.env. This module stays
 * dependency-free so importing it from a spec never drags in testcontainers or child processes.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

export interface TestEnv {
  /** Bootstrap servers, ready for `new Kafka({ brokers })`. */
  kafkaBrokers: string[];
  /** URL of this run's own database (`omni_test_<runid>`); drop-safe. */
  databaseUrl: string;
  /** `t<runid>.`: prefix every topic a test creates, so runs sharing a broker never collide. */
  topicPrefix: string;
}

/** Set by global-setup.ts to say which environment it prepared (e.g. `kafka-local+local-postgres`). */
export const TEST_ENV_MARKER = 'OMNI_TEST_ENV';

export function testEnv(): TestEnv {
  const { KAFKA_BROKERS, DATABASE_URL, OMNI_TOPIC_PREFIX } = process.env;
  const marker = process.env[TEST_ENV_MARKER];
  if (!marker || !KAFKA_BROKERS || !DATABASE_URL || !OMNI_TOPIC_PREFIX) {
    const missing = [
      [TEST_ENV_MARKER, marker],
      ['KAFKA_BROKERS', KAFKA_BROKERS],
      ['DATABASE_URL', DATABASE_URL],
      ['OMNI_TOPIC_PREFIX', OMNI_TOPIC_PREFIX],
    ]
      .filter(([, value]) => !value)
      .map(([name]) => name);
    throw new Error(
      `testEnv(): ${missing.join(', ')} not set. Integration and e2e specs need the jest globalSetup ` +
        `libs/testing/src/env/global-setup.ts (and globalTeardown global-teardown.ts); run them through ` +
        `their jest project instead of pointing jest at the file with a config that lacks it.`,
    );
  }
  return {
    kafkaBrokers: KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    databaseUrl: DATABASE_URL,
    topicPrefix: OMNI_TOPIC_PREFIX,
  };
}

export interface WaitForOptions {
  /** Upper bound for the whole wait (default 10 000 ms). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message ("consumer to receive 3 records"). */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value and resolves with that value. A throwing or
 * rejecting predicate counts as "not yet" (its last error is quoted if time runs out). Bounded even
 * when a single call hangs: each attempt only gets the time that is left.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const remaining = deadline - Date.now();
    try {
      const value = await withinMs(Promise.resolve().then(predicate), Math.max(remaining, 0));
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  const cause = lastError === undefined ? '' : `; last error: ${errorMessage(lastError)}`;
  throw new Error(`waitFor: timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${description}${cause}`, {
    cause: lastError,
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it; bind it soon). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port;
}

/**
 * `count` distinct free ports. All are held open until every one is chosen, so the OS cannot hand
 * out the same port twice (which two sequential freePort() calls could do).
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host, exclusive: true }, resolve);
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`attempt still pending when the ${ms} ms left ran out`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The environment a service started in a test gets: this run's broker and database, its own topic
 * prefix, an ephemeral port on loopback, quiet logs (E2E_LOG_LEVEL to see them), 2 partitions and
 * fast handler retries. `extra` overrides any of it.
 */
export function serviceTestEnv(options: { prefix: string; databaseUrl?: string }, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = testEnv();
  return {
    ...process.env,
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: options.databaseUrl ?? env.databaseUrl,
    OMNI_TOPIC_PREFIX: options.prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    KAFKA_TOPIC_PARTITIONS: '2',
    KAFKA_HANDLER_RETRY_BASE_MS: '50',
    ...extra,
  };
}
