/**
 * Every knob of `npm run bench -- pipeline` (and `pipeline-fault`), read from the environment and
 * the command line. Defaults are the full measurement; `--quick` / BENCH_QUICK=1 swaps in a couple
 * of short low-rate steps that finish in one to two minutes on a laptop.
 */

import { SINGLE_NODE_TOPIC_PARTITIONS } from '../../../../libs/service-kit/src/catalog';

export type ChannelSlug = 'messenger' | 'whatsapp' | 'twitter' | 'sms';
export const CHANNELS: readonly ChannelSlug[] = ['messenger', 'whatsapp', 'twitter', 'sms'];

export interface LadderStep {
  rate: number;
  seconds: number;
}

export interface PipelineSettings {
  quick: boolean;
  fault: boolean;
  /** Offered webhook rates, climbed in order until a step saturates. */
  ladder: LadderStep[];
  /** The target's rate (and its longer step): webhook→2xx and webhook→assigned p99 are judged here. */
  targetRate: number;
  targetSeconds: number;
  warmupSeconds: number;
  warmupRate: number;
  /**
   * Before anything is measured, a bare kafkajs relay (the ceiling's, results discarded) loads the
   * broker at `brokerWarmupRate` records/s for this long: a freshly started broker's JIT needs
   * minutes of traffic, and until then it spends about twice the CPU per request (docs/benchmarks.md).
   */
  brokerWarmupSeconds: number;
  brokerWarmupRate: number;
  idleSeconds: number;
  /** Longest wait after a step's last send for its conversations to be decided. */
  drainSeconds: number;
  /** After a step's last send, decisions that arrive within this grace still count as kept up. */
  graceSeconds: number;
  /** Share of webhooks that reply in a conversation opened earlier in the run (0…1). */
  replyRatio: number;
  channelWeights: Record<ChannelSlug, number>;
  agents: number;
  agentCapacity: number;
  /** How long an agent keeps a conversation before resolving it. */
  holdMs: number;
  /** HTTP connections the generator keeps open per gateway. */
  connections: number;
  /** Client-side timeout of one webhook call (counted as failed, never as a latency sample). */
  requestTimeoutMs: number;
  seed: number;
  /** Partitions of Omni's topics and of the relay's (default: `npm start`'s single-node count). */
  partitions: number;
  /** LOG_LEVEL for the services (their logs go to files, see the report). */
  serviceLogLevel: string;
  ceiling: {
    enabled: boolean;
    ladder: LadderStep[];
    payloadBytes: number;
    /** partitionsConsumedConcurrently of the relays (Omni's consumers use 3). */
    concurrency: number;
  };
  faultRate: number;
  /** Quiet time with traffic before each kill, and after each recovery. */
  faultGapSeconds: number;
  resultsDir?: string;
}

const DEFAULT_LADDER = [25, 50, 100, 150, 200, 300, 400];
const DEFAULT_CEILING_LADDER = [250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000];

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, { min = -Infinity, max = Infinity } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number between ${min} and ${max}; got '${raw}'`);
  return value;
}

function rates(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (!raw?.trim()) return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`${name} must be a comma-separated list of positive rates; got '${raw}'`);
  return list;
}

export function parseChannelMix(raw: string | undefined): Record<ChannelSlug, number> {
  const weights: Record<ChannelSlug, number> = { messenger: 1, whatsapp: 1, twitter: 1, sms: 1 };
  if (!raw?.trim()) return weights;
  for (const c of CHANNELS) weights[c] = 0;
  for (const part of raw.split(',')) {
    const [name, weight = '1'] = part.split(':').map((s) => s.trim());
    if (!CHANNELS.includes(name as ChannelSlug)) throw new Error(`BENCH_CHANNEL_MIX: unknown channel '${name}' (use ${CHANNELS.join(', ')})`);
    const w = Number(weight);
    if (!Number.isInteger(w) || w < 0) throw new Error(`BENCH_CHANNEL_MIX: weight of ${name} must be a whole number; got '${weight}'`);
    weights[name as ChannelSlug] = w;
  }
  if (CHANNELS.every((c) => weights[c] === 0)) throw new Error('BENCH_CHANNEL_MIX: every weight is 0');
  return weights;
}

export function pipelineSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): PipelineSettings {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const fault = argv.includes('--fault') || argv.includes('pipeline-fault');
  const stepSeconds = number(env, 'BENCH_STEP_SECONDS', quick ? 8 : 20, { min: 1 });
  const targetRate = number(env, 'BENCH_TARGET_RATE', quick ? 20 : 100, { min: 1 });
  const targetSeconds = number(env, 'BENCH_TARGET_SECONDS', quick ? stepSeconds : 60, { min: 1 });
  const ladderRates = rates(env, 'BENCH_RATES', quick ? [10, 20] : DEFAULT_LADDER);
  const ceilingRates = rates(env, 'BENCH_CEILING_RATES', quick ? [50, 200] : DEFAULT_CEILING_LADDER);
  const ceilingSeconds = number(env, 'BENCH_CEILING_STEP_SECONDS', quick ? 4 : 15, { min: 1 });
  const partitions = env.BENCH_PARTITIONS ?? env.KAFKA_TOPIC_PARTITIONS;
  return {
    quick,
    fault,
    ladder: ladderRates.map((rate) => ({ rate, seconds: rate === targetRate ? Math.max(targetSeconds, stepSeconds) : stepSeconds })),
    targetRate,
    targetSeconds,
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', quick ? 3 : 10, { min: 0 }),
    warmupRate: number(env, 'BENCH_WARMUP_RATE', quick ? 5 : 20, { min: 1 }),
    brokerWarmupSeconds: number(env, 'BENCH_BROKER_WARMUP_SECONDS', quick ? 0 : 90, { min: 0 }),
    brokerWarmupRate: number(env, 'BENCH_BROKER_WARMUP_RATE', 300, { min: 1 }),
    idleSeconds: number(env, 'BENCH_IDLE_SECONDS', quick ? 5 : 20, { min: 1 }),
    drainSeconds: number(env, 'BENCH_DRAIN_SECONDS', quick ? 20 : 60, { min: 1 }),
    graceSeconds: number(env, 'BENCH_GRACE_SECONDS', quick ? 2 : 2, { min: 0 }),
    replyRatio: number(env, 'BENCH_REPLY_RATIO', 0.3, { min: 0, max: 1 }),
    channelWeights: parseChannelMix(env.BENCH_CHANNEL_MIX),
    agents: number(env, 'BENCH_AGENTS', quick ? 10 : 50, { min: 1 }),
    agentCapacity: number(env, 'BENCH_AGENT_CAPACITY', quick ? 10 : 20, { min: 1, max: 100 }),
    holdMs: number(env, 'BENCH_HOLD_MS', quick ? 1_000 : 1_500, { min: 0 }),
    connections: number(env, 'BENCH_CONNECTIONS', 128, { min: 1 }),
    requestTimeoutMs: number(env, 'BENCH_REQUEST_TIMEOUT_MS', 30_000, { min: 100 }),
    seed: number(env, 'BENCH_SEED', 42),
    // As `npm start` runs them: one instance per service, so the single-node partition count.
    partitions: partitions ? number({ P: partitions }, 'P', SINGLE_NODE_TOPIC_PARTITIONS, { min: 1 }) : SINGLE_NODE_TOPIC_PARTITIONS,
    serviceLogLevel: env.BENCH_SERVICE_LOG_LEVEL ?? 'info',
    ceiling: {
      enabled: env.BENCH_CEILING !== '0',
      ladder: ceilingRates.map((rate) => ({ rate, seconds: ceilingSeconds })),
      payloadBytes: number(env, 'BENCH_CEILING_PAYLOAD_BYTES', 1_024, { min: 16 }),
      concurrency: number(env, 'BENCH_CEILING_CONCURRENCY', 3, { min: 1 }),
    },
    faultRate: number(env, 'BENCH_FAULT_RATE', 10, { min: 1 }),
    faultGapSeconds: number(env, 'BENCH_FAULT_GAP_SECONDS', quick ? 3 : 10, { min: 1 }),
    resultsDir: env.BENCH_RESULTS_DIR,
  };
}
