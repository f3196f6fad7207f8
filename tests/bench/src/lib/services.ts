/**
 * The real topology: each Omni service in its own process, started the way `npm start`
 * (tools/start.mjs) starts it — `node services/<name>/dist/main.js` after `node tools/build.mjs`,
 * with PORT, OTEL_SERVICE_NAME, SERVICE and the channel secrets in its environment — but on free
 * ports, with this run's topic prefix and database, and with stdout/stderr going to one log file
 * per service instead of the terminal. Also kills and restarts them (fault mode).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICES, testSecrets, type ServiceName } from '../../../../libs/service-kit/src/catalog';

export const ROOT = resolve(__dirname, '../../../..');

/**
 * Channel secrets of the benchmark's own (webhooks are signed with the same values), over the
 * catalog's test values so that every gateway in the catalog starts (a new channel needs nothing here).
 */
export const BENCH_SECRETS = {
  ...testSecrets(),
  META_APP_SECRET: 'bench-meta-app-secret',
  META_VERIFY_TOKEN: 'bench-verify-token',
  MESSENGER_PAGE_ACCESS_TOKEN: 'bench-page-access-token',
  WHATSAPP_ACCESS_TOKEN: 'bench-whatsapp-access-token',
  TWITTER_CONSUMER_KEY: 'bench-consumer-key',
  TWITTER_CONSUMER_SECRET: 'bench-consumer-secret',
  // An OAuth 1.0a user token starts with the business account's X user id.
  TWITTER_ACCESS_TOKEN: '1111111111111111111-bench-access-token',
  TWITTER_ACCESS_TOKEN_SECRET: 'bench-access-token-secret',
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'bench-twilio-auth-token',
  TWILIO_PUBLIC_BASE_URL: 'https://omni.bench.test',
} as const;

export const ALL_SERVICES: readonly ServiceName[] = SERVICES.map((s) => s.name);

export interface FleetOptions {
  names?: readonly ServiceName[];
  /** Environment every service gets (KAFKA_BROKERS, DATABASE_URL, OMNI_TOPIC_PREFIX, …). */
  env: NodeJS.ProcessEnv;
  /** Port per service (free ports chosen by the caller). */
  ports: Record<ServiceName, number>;
  logDir: string;
}

export interface ServiceExit {
  name: ServiceName;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  expected: boolean;
}

export class ServiceFleet {
  readonly names: readonly ServiceName[];
  private readonly children = new Map<ServiceName, ChildProcess>();
  private readonly logs = new Map<ServiceName, WriteStream>();
  private readonly expectedExit = new Set<number>();
  readonly exits: ServiceExit[] = [];

  constructor(private readonly options: FleetOptions) {
    this.names = options.names ?? ALL_SERVICES;
    mkdirSync(options.logDir, { recursive: true });
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.options.ports[name]}`;
  }

  pid(name: ServiceName): number | undefined {
    return this.children.get(name)?.pid;
  }

  logFile(name: ServiceName): string {
    return join(this.options.logDir, `${name}.log`);
  }

  start(name: ServiceName): ChildProcess {
    if (this.children.has(name)) throw new Error(`${name} is already running`);
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(this.logFile(name), { flags: 'a' });
      this.logs.set(name, log);
    }
    // The same V8 memory flag as `npm start` and the Docker image.
    // BENCH_SERVICE_NODE_ARGS: extra node flags for the services, e.g. to profile them:
    // "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS).
    const nodeArgs = (this.options.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'services', name, 'dist/main.js')], {
      cwd: ROOT,
      env: { ...this.options.env, NODE_OPTIONS: serviceNodeOptions(this.options.env.NODE_OPTIONS), PORT: String(this.options.ports[name]), OTEL_SERVICE_NAME: this.options.env.OTEL_SERVICE_NAME ?? name, SERVICE: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.children.set(name, child);
    const pid = child.pid!;
    child.once('exit', (code, signal) => {
      if (this.children.get(name) === child) this.children.delete(name);
      this.exits.push({ name, pid, code, signal, at: Date.now(), expected: this.expectedExit.delete(pid) });
    });
    return child;
  }

  startAll(): void {
    for (const name of this.names) this.start(name);
  }

  async ready(name: ServiceName): Promise<boolean> {
    try {
      const response = await fetch(`${this.url(name)}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Resolves with the time (epoch ms, the benchmark's clock) the service first answered /health/ready with 200. */
  async waitReady(name: ServiceName, timeoutMs = 180_000, intervalMs = 100): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.children.has(name)) throw new Error(`${name} exited before it was ready (log: ${this.logFile(name)})`);
      if (await this.ready(name)) return performance.timeOrigin + performance.now();
      await sleep(intervalMs);
    }
    throw new Error(`${name} not ready after ${timeoutMs / 1000} s (log: ${this.logFile(name)})`);
  }

  async waitAllReady(timeoutMs = 180_000): Promise<void> {
    await Promise.all(this.names.map((n) => this.waitReady(n, timeoutMs, 250)));
  }

  /** Sends a signal and waits for the process to be gone; the exit is recorded as expected. */
  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(name);
    if (!child) return;
    this.expectedExit.add(child.pid!);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await gone;
  }

  /** Exits nobody asked for (a crash under load, a failed start). */
  unexpectedExits(): ServiceExit[] {
    return this.exits.filter((e) => !e.expected);
  }

  async stopAll(): Promise<void> {
    const running = [...this.children.entries()];
    const exits = running.map(([, child]) => new Promise((resolve) => child.once('exit', resolve)));
    for (const [, child] of running) {
      this.expectedExit.add(child.pid!);
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      for (const [, child] of running) child.kill('SIGKILL');
    }, 30_000);
    await Promise.all(exits);
    clearTimeout(timer);
    await Promise.all([...this.logs.values()].map((log) => new Promise((resolve) => log.end(resolve))));
    this.logs.clear();
  }
}

/** As tools/start.mjs: a 4 MiB young generation unless NODE_OPTIONS already sets one. */
function serviceNodeOptions(current = ''): string {
  return /--max-semi-space-size/.test(current) ? current : `${current} --max-semi-space-size=4`.trim();
}
