/**
 * What the pipeline benchmark and its fault mode share: the run's environment (handed over by
 * tools/bench.mjs), the eight service processes, the tap, the ledger, the agents, the webhook
 * generator and the process sampler.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics, type TopicDefinition } from '@omni/contracts';
import { authHeader, freePorts } from '@omni/testing';
import type { ServiceName } from '../../../../libs/service-kit/src/catalog';
import { AgentDesk } from './agents';
import { HttpClient } from './http';
import { Ledger, type SentWebhook } from './ledger';
import { realClock, seededRandom, weightedRoundRobin } from './open-model';
import { MiB, sampleProcess, sampleProcessGroup, type ProcessSample } from './procstat';
import { cpuCanary } from './canary';
import type { MachineInfo } from './report';
import { ALL_SERVICES, BENCH_SECRETS, ROOT, ServiceFleet } from './services';
import type { PipelineSettings } from './settings';
import { BenchTap } from './tap';
import { customerOf, GATEWAY_OF, signedMessage, textFor } from './webhooks';

export const log = (line: string) => process.stdout.write(`bench: ${line}\n`);

export interface RunEnv {
  brokers: string[];
  databaseUrl: string;
  prefix: string;
  kafkaMode: string;
  /** Set when tools/bench.mjs started deploy/kafka-local for this run (fault mode may restart it). */
  kafkaLocal?: { port: number; controllerPort: number; dir: string };
}

export function runEnv(env: NodeJS.ProcessEnv = process.env): RunEnv {
  const { KAFKA_BROKERS, DATABASE_URL, OMNI_TOPIC_PREFIX } = env;
  if (!KAFKA_BROKERS || !DATABASE_URL || !OMNI_TOPIC_PREFIX) {
    throw new Error('KAFKA_BROKERS, DATABASE_URL and OMNI_TOPIC_PREFIX must be set: run the pipeline benchmark through `npm run bench -- pipeline`');
  }
  return {
    brokers: KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
    databaseUrl: DATABASE_URL,
    prefix: OMNI_TOPIC_PREFIX,
    kafkaMode: env.BENCH_KAFKA_MODE ?? 'external',
    kafkaLocal: env.BENCH_KAFKA_LOCAL ? (JSON.parse(env.BENCH_KAFKA_LOCAL) as RunEnv['kafkaLocal']) : undefined,
  };
}

/** The broker's pid when it is a kafka-local broker on this machine (for its CPU figures). */
export function kafkaPid(env: RunEnv): number | undefined {
  const candidates = env.kafkaLocal ? [join(env.kafkaLocal.dir, 'kafka.pid')] : env.brokers.filter((b) => /^(127\.0\.0\.1|localhost):\d+$/.test(b)).map((b) => join(ROOT, 'deploy/kafka-local/.run', b.split(':')[1]!, 'kafka.pid'));
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && sampleProcess(pid)) return pid;
  }
  return undefined;
}

export function gitCommit(): { short: string; dirty: boolean } {
  try {
    const short = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim().length > 0;
    return { short, dirty };
  } catch {
    return { short: 'nogit', dirty: false };
  }
}

export async function machineInfo(env: RunEnv): Promise<MachineInfo> {
  const commit = gitCommit();
  let postgres = new URL(env.databaseUrl).host;
  const client = new Client({ connectionString: env.databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; autovacuum: string; synchronous_commit: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('autovacuum') AS autovacuum, current_setting('synchronous_commit') AS synchronous_commit`,
    );
    const settings = rows[0]!;
    // Settings that change what the figures mean: without autovacuum no table is analyzed during
    // the run, so statements keep the plans made for empty tables, and dead rows pile up.
    postgres = `PostgreSQL ${settings.version} at ${postgres} (autovacuum ${settings.autovacuum}, synchronous_commit ${settings.synchronous_commit})`;
  } catch {
    // keep the host only
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${process.platform} ${release()}`,
    kafka: `${env.kafkaMode} ${env.brokers.join(',')}`,
    postgres,
    commit: `${commit.short}${commit.dirty ? ' (uncommitted changes)' : ''}`,
    cpuCanaryMs: cpuCanary().medianMs,
  };
}

/** CPU and RSS of every service process, the benchmark itself and (when local) the broker. */
export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private rssMax = new Map<string, number>();

  constructor(
    private readonly fleet: ServiceFleet,
    private readonly brokerPid: number | undefined,
  ) {}

  private readonly postgresLocal = sampleProcessGroup('postgres') !== undefined;

  names(): string[] {
    return [...this.fleet.names, 'bench', ...(this.brokerPid ? ['kafka'] : []), ...(this.postgresLocal ? ['postgres'] : [])];
  }

  sample(): Map<string, ProcessSample | undefined> {
    const out = new Map<string, ProcessSample | undefined>();
    for (const name of this.fleet.names) out.set(name, sampleProcess(this.fleet.pid(name)));
    const usage = process.cpuUsage();
    out.set('bench', { cpuMs: (usage.user + usage.system) / 1_000, rssBytes: process.memoryUsage().rss });
    if (this.brokerPid) out.set('kafka', sampleProcess(this.brokerPid));
    // Every PostgreSQL process on the machine (server and backends, whoever they serve): CPU only.
    if (this.postgresLocal) out.set('postgres', sampleProcessGroup('postgres'));
    return out;
  }

  /** Starts tracking the largest RSS of each process (sampled every second). */
  trackRss(): void {
    this.rssMax = new Map();
    clearInterval(this.timer);
    const tick = () => {
      for (const [name, s] of this.sample()) if (s?.rssBytes !== undefined) this.rssMax.set(name, Math.max(this.rssMax.get(name) ?? 0, s.rssBytes));
    };
    tick();
    this.timer = setInterval(tick, 1_000);
  }

  rssMaxMiB(): Record<string, number | undefined> {
    return Object.fromEntries(this.names().map((n) => [n, this.rssMax.has(n) ? this.rssMax.get(n)! / MiB : undefined]));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
let signalled = false;
/** On SIGINT/SIGTERM: stop what was started (service processes), then exit 130. */
export function onSignalStop(cleanup: () => Promise<unknown>): void {
  if (!cleanups.length) {
    const handler = (signal: NodeJS.Signals) => {
      if (signalled) return;
      signalled = true;
      log(`${signal}: stopping the services…`);
      void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(130));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
  cleanups.push(cleanup);
}

export interface Bench {
  env: RunEnv;
  settings: PipelineSettings;
  fleet: ServiceFleet;
  tap: BenchTap;
  ledger: Ledger;
  desk: AgentDesk;
  http: HttpClient;
  sampler: ProcessSampler;
  logDir: string;
  /** Starts one webhook (new conversation or reply) scheduled at `scheduledAt`, filed under `step`. */
  fire(step: number, scheduledAt: number): SentWebhook;
  /** Waits until these webhooks are answered, normalized and (new ones) decided, or nothing moved for `seconds`. */
  settle(webhooks: () => readonly SentWebhook[], seconds: number): Promise<boolean>;
  /** Report notes on what went wrong around the measurement: services that exited, tap restarts. */
  incidentNotes(): string[];
  stop(): Promise<void>;
}

export async function startBench(settings: PipelineSettings, options: { extraTopics?: TopicDefinition[]; onRecord?: (topic: string, record: { ceSource: string; receivedAt: number; value: unknown }) => void } = {}): Promise<Bench> {
  const env = runEnv();
  const ports = await freePorts(ALL_SERVICES.length + 3);
  const portOf = Object.fromEntries(ALL_SERVICES.map((n, i) => [n, ports[i]!])) as Record<ServiceName, number>;
  // Provider APIs are never called (no outbound traffic): point them at a port nobody listens on.
  const deadApi = `http://127.0.0.1:${ports[ALL_SERVICES.length]}`;
  const logDir = join(tmpdir(), `omni-bench-${env.prefix.replace(/\W+/g, '')}-${Date.now().toString(36)}`);
  mkdirSync(logDir, { recursive: true });
  const fleet = new ServiceFleet({
    env: {
      ...process.env,
      ...BENCH_SECRETS,
      KAFKA_BROKERS: env.brokers.join(','),
      DATABASE_URL: env.databaseUrl,
      OMNI_TOPIC_PREFIX: env.prefix,
      HOST: '127.0.0.1',
      LOG_LEVEL: settings.serviceLogLevel,
      // The bench desk resolves through the API but runs no agent client: presence is not heartbeat-driven.
      ASSIGNMENT_HEARTBEAT_TIMEOUT_MS: '0',
      META_GRAPH_API_BASE_URL: deadApi,
      TWITTER_API_BASE_URL: deadApi,
      TWILIO_API_BASE_URL: deadApi,
      KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
    },
    ports: portOf,
    logDir,
  });
  onSignalStop(() => fleet.stopAll());
  log(`starting ${fleet.names.length} service processes (logs in ${logDir})…`);
  const started = Date.now();
  fleet.startAll();
  try {
    await fleet.waitAllReady();
  } catch (err) {
    await fleet.stopAll();
    throw err;
  }
  log(`all services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const random = seededRandom(settings.seed);
  const ledger = new Ledger(random);
  const tap = new BenchTap(env.brokers, env.prefix)
    .on(Topics.messageNormalized, (r) => {
      ledger.normalized(r);
      options.onRecord?.(r.topic, r);
    })
    .on(Topics.conversationRouted, (r) => {
      ledger.routed(r);
      options.onRecord?.(r.topic, r);
    })
    .on(Topics.conversationAssigned, (r) => {
      ledger.assigned(r);
      options.onRecord?.(r.topic, r);
    })
    .on(Topics.conversationQueued, (r) => {
      ledger.queued(r);
      options.onRecord?.(r.topic, r);
    });
  for (const topic of options.extraTopics ?? []) tap.on(topic, (r) => options.onRecord?.(r.topic, r));
  // Services provision their topics while they start (maybe after /health/ready): wait for them.
  await waitForTopics(env, [Topics.messageNormalized, Topics.conversationRouted, Topics.conversationAssigned, Topics.conversationQueued, ...(options.extraTopics ?? [])]);
  await tap.start();
  // The bench's agent desk acts as a supervisor: it registers agents (admin) and resolves for them.
  const http = new HttpClient({ connections: settings.connections, timeoutMs: settings.requestTimeoutMs, authorization: (await authHeader(['admin'], { sub: 'bench-desk' })).authorization });
  const desk = new AgentDesk(http, fleet.url('assignment'), ledger, { agents: settings.agents, capacity: settings.agentCapacity, holdMs: settings.holdMs });
  await desk.register();
  log(`${settings.agents} agents online, capacity ${settings.agentCapacity} each, resolving after ${settings.holdMs} ms`);

  const channelFor = weightedRoundRobin(settings.channelWeights);
  let customers = 0;
  let messages = 0;
  const fire = (step: number, scheduledAt: number): SentWebhook => {
    const n = messages++;
    let kind: 'new' | 'reply' = random() < settings.replyRatio ? 'reply' : 'new';
    let customer = kind === 'reply' ? ledger.pickOpenCustomer() : undefined;
    if (!customer) {
      kind = 'new';
      const c = customers++;
      customer = customerOf(channelFor(c), c);
    }
    const hook = signedMessage(customer, n, textFor(n), Date.now());
    const w = ledger.dispatched({ n, step, kind, customer, providerKey: `${customer.channel}:${hook.providerMessageId}`, scheduledAt });
    http.request(fleet.url(GATEWAY_OF[customer.channel]), 'POST', hook.path, hook.headers, hook.body).then(
      (response) => ledger.answered(w, response.status, realClock.now(), response.status >= 300 ? response.body.slice(0, 200) : undefined),
      (err: Error) => ledger.answered(w, 0, realClock.now(), err.name === 'HeadersTimeoutError' ? 'timeout' : (err as { code?: string }).code ?? err.name),
    );
    return w;
  };

  // Gives up only when nothing moved for `seconds` (a backlog still shrinking is waited for, up
  // to 15 minutes), so a slow drain after a saturated step is not mistaken for loss.
  const settle = async (webhooks: () => readonly SentWebhook[], seconds: number): Promise<boolean> => {
    const cap = Date.now() + 15 * 60_000;
    let last = Infinity;
    let movedAt = Date.now();
    for (;;) {
      const o = ledger.outstanding(webhooks());
      const left = o.unanswered + o.unnormalized + o.undecided;
      if (left === 0) return true;
      if (left < last) {
        last = left;
        movedAt = Date.now();
      }
      if (Date.now() - movedAt > seconds * 1_000 || Date.now() > cap) return false;
      await sleep(left > 1_000 ? 250 : 50);
    }
  };

  const sampler = new ProcessSampler(fleet, kafkaPid(env));
  return {
    env,
    settings,
    fleet,
    tap,
    ledger,
    desk,
    http,
    sampler,
    logDir,
    fire,
    settle,
    incidentNotes: () => [
      ...fleet.unexpectedExits().map((e) => `${e.name} (pid ${e.pid}) exited unexpectedly (${e.signal ?? e.code}); see ${fleet.logFile(e.name)}`),
      ...(tap.crashes ? [`The tap's consumer restarted ${tap.crashes} time(s); records it re-read were skipped by offset.`] : []),
    ],
    stop: async () => {
      sampler.stop();
      desk.stop();
      await tap.stop();
      await http.close();
      await fleet.stopAll();
    },
  };
}

async function waitForTopics(env: RunEnv, topics: TopicDefinition[], timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ brokers: env.brokers, clientId: 'omni-bench-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const wanted = topics.map((t) => `${env.prefix}${t.name}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (!missing.length) return;
      if (Date.now() > deadline) throw new Error(`topics never provisioned by the services: ${missing.join(', ')}`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function writeResults(baseName: string, dir: string | undefined, json: unknown, markdown: string): { json: string; markdown: string } {
  const target = dir ?? join(ROOT, 'tests/bench/results');
  mkdirSync(target, { recursive: true });
  const files = { json: join(target, `${baseName}.json`), markdown: join(target, `${baseName}.md`) };
  writeFileSync(files.json, `${JSON.stringify(json, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  writeFileSync(files.markdown, markdown);
  return files;
}

/** Settings as they go into the report (the ladder is shown in its own table). */
export function settingsForReport(s: PipelineSettings): Record<string, unknown> {
  return {
    ladder: s.ladder.map((l) => `${l.rate}/s×${l.seconds}s`).join(', '),
    warmup: `${s.warmupRate}/s × ${s.warmupSeconds} s`,
    brokerWarmup: s.brokerWarmupSeconds > 0 ? `bare relay ${s.brokerWarmupRate}/s × ${s.brokerWarmupSeconds} s` : 'off',
    idleSeconds: s.idleSeconds,
    drainSeconds: s.drainSeconds,
    graceSeconds: s.graceSeconds,
    replyRatio: s.replyRatio,
    channelWeights: s.channelWeights,
    agents: `${s.agents} × capacity ${s.agentCapacity}, hold ${s.holdMs} ms`,
    connections: s.connections,
    requestTimeoutMs: s.requestTimeoutMs,
    partitions: s.partitions,
    serviceLogLevel: s.serviceLogLevel,
    seed: s.seed,
    ceiling: s.ceiling.enabled ? `${s.ceiling.ladder.map((l) => l.rate).join(',')}/s × ${s.ceiling.ladder[0]?.seconds ?? 0} s, ${s.ceiling.payloadBytes} B, concurrency ${s.ceiling.concurrency}` : 'off',
  };
}
