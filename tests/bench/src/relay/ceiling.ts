/**
 * The ceiling: what plain kafkajs does on this machine with the same hops and guarantees as Omni's
 * inbound path, and nothing else. One idempotent acks=all producer (here, in the benchmark process,
 * where the webhook generator runs for Omni; records due together share a request, one request in
 * flight) → topic 0 → three relay processes (topic N → N+1,
 * commit after the produce resolved) → topic 3 → a sink that measures end-to-end latency from the
 * scheduled send time. Same partition count as Omni's topics; same open-model generator and the
 * same saturation rule as the pipeline ladder.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { LatencyHistogram, type LatencySummary } from '../lib/histogram';
import { realClock, runOpenLoop, scheduledAt } from '../lib/open-model';
import { ladderOutcome, saturationVerdict, type BacklogSample, type LadderOutcome, type SaturationVerdict } from '../lib/saturation';
import type { LadderStep } from '../lib/settings';
import { sampleProcess } from '../lib/procstat';

export type RelayMode = 'eachMessage' | 'eachBatch';

export interface CeilingStepResult {
  rate: number;
  seconds: number;
  sent: number;
  produceFailed: number;
  delivered: number;
  duplicates: number;
  endToEnd: LatencySummary;
  verdict: SaturationVerdict;
  /** CPU of the three relay processes together, ms per record. */
  relayCpuMsPerRecord?: number;
}

export interface CeilingResult {
  mode: RelayMode;
  partitions: number;
  steps: CeilingStepResult[];
  outcome: LadderOutcome;
  lost: number;
}

export interface CeilingOptions {
  brokers: string[];
  prefix: string;
  partitions: number;
  ladder: LadderStep[];
  payloadBytes: number;
  concurrency: number;
  graceSeconds: number;
  drainSeconds: number;
  log: (line: string) => void;
}

const HOPS = 3;

export async function runCeiling(mode: RelayMode, options: CeilingOptions): Promise<CeilingResult> {
  const run = randomUUID().slice(0, 6);
  const topics = Array.from({ length: HOPS + 1 }, (_, i) => `${options.prefix}bench.relay.${mode}.${run}.${i}`);
  const kafka = new Kafka({ brokers: options.brokers, clientId: 'bench-relay-source', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: -1 })) });

  const relays: ChildProcess[] = [];
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const sink = kafka.consumer({ groupId: `bench-relay-sink-${run}`, maxWaitTimeInMs: 50 });
  // step → { t0, rate, seen counts per index }
  const steps = new Map<number, { t0: number; rate: number; seen: Uint8Array; delivered: number; duplicates: number; histogram: LatencyHistogram; deliveredBy: number[] }>();
  let lost = 0;
  try {
    for (let hop = 0; hop < HOPS; hop++) {
      const child = fork(join(__dirname, 'relay-process.ts'), [], {
        execArgv: ['-r', '@swc-node/register'],
        env: {
          ...process.env,
          RELAY_BROKERS: options.brokers.join(','),
          RELAY_FROM: topics[hop],
          RELAY_TO: topics[hop + 1],
          RELAY_GROUP: `bench-relay-${run}-${hop}`,
          RELAY_MODE: mode,
          RELAY_CONCURRENCY: String(options.concurrency),
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      relays.push(child);
    }
    await Promise.all(
      relays.map(
        (child, hop) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`relay hop ${hop} did not join its group within 120 s`)), 120_000);
            child.on('message', (m: { type?: string }) => {
              if (m?.type === 'ready') {
                clearTimeout(timer);
                resolve();
              }
            });
            child.once('exit', (code) => reject(new Error(`relay hop ${hop} exited (${code}) before it was ready`)));
          }),
      ),
    );
    await producer.connect();
    await sink.connect();
    await sink.subscribe({ topics: [topics[HOPS]!], fromBeginning: true });
    await sink.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.partitions,
      eachBatch: async ({ batch }) => {
        const now = realClock.now();
        for (const message of batch.messages) {
          const value = message.value;
          if (!value || value.length < 8) continue;
          const step = steps.get(value.readUInt32BE(0));
          if (!step) continue;
          const index = value.readUInt32BE(4);
          if (step.seen[index]) {
            step.duplicates++;
            continue;
          }
          step.seen[index] = 1;
          step.delivered++;
          step.deliveredBy.push(now);
          step.histogram.record(now - scheduledAt(step.t0, step.rate, index));
        }
      },
    });

    const results: CeilingStepResult[] = [];
    for (const [stepNo, { rate, seconds }] of options.ladder.entries()) {
      const total = Math.round(rate * seconds);
      const state = { t0: 0, rate, seen: new Uint8Array(total), delivered: 0, duplicates: 0, histogram: new LatencyHistogram(), deliveredBy: [] as number[] };
      steps.set(stepNo, state);
      let produceFailed = 0;
      const backlog: BacklogSample[] = [];
      const cpuBefore = relays.map((r) => sampleProcess(r.pid));
      let dispatched = 0;
      const payload = Buffer.alloc(options.payloadBytes, 0x61);
      const sampler = setInterval(() => {
        if (state.t0) backlog.push({ t: (realClock.now() - state.t0) / 1_000, backlog: dispatched - produceFailed - state.delivered });
      }, 250);
      // Like Omni's gateways (their publisher batches what is submitted while a request is in
      // flight), records due together share one produce request; never more than one in flight.
      let queue: Message[] = [];
      let inFlight = false;
      const flush = () => {
        if (inFlight || !queue.length) return;
        const messages = queue;
        queue = [];
        inFlight = true;
        producer
          .send({ topic: topics[0]!, acks: -1, messages })
          .catch(() => (produceFailed += messages.length))
          .finally(() => {
            inFlight = false;
            flush();
          });
      };
      const loop = runOpenLoop({ rate, seconds }, (i, at) => {
        if (i === 0) state.t0 = at;
        dispatched++;
        const value = Buffer.from(payload);
        value.writeUInt32BE(stepNo, 0);
        value.writeUInt32BE(i, 4);
        queue.push({ key: `k${stepNo}-${i}`, value });
        if (queue.length === 1) setImmediate(flush);
      });
      const { t0 } = await loop;
      state.t0 = t0;
      const endAt = t0 + seconds * 1_000;
      const drainDeadline = Date.now() + options.drainSeconds * 1_000;
      while (state.delivered < total - produceFailed && Date.now() < drainDeadline) await sleep(50);
      clearInterval(sampler);
      const cpuAfter = relays.map((r) => sampleProcess(r.pid));
      const completedInTime = state.deliveredBy.filter((at) => at <= endAt + options.graceSeconds * 1_000).length;
      const verdict = saturationVerdict({ offeredPerSec: rate, durationSec: seconds, sent: total, completedInTime, backlog, rampSec: state.histogram.summary().p90 / 1_000 });
      const cpu = cpuBefore.every(Boolean) && cpuAfter.every(Boolean) ? cpuAfter.reduce((s, a, i) => s + (a!.cpuMs - cpuBefore[i]!.cpuMs), 0) : undefined;
      lost += Math.max(0, total - produceFailed - state.delivered);
      const result: CeilingStepResult = {
        rate,
        seconds,
        sent: total,
        produceFailed,
        delivered: state.delivered,
        duplicates: state.duplicates,
        endToEnd: state.histogram.summary(),
        verdict,
        relayCpuMsPerRecord: cpu !== undefined && state.delivered ? cpu / state.delivered : undefined,
      };
      results.push(result);
      options.log(
        `ceiling ${mode} ${rate}/s × ${seconds}s: delivered ${state.delivered}/${total}, p99 ${result.endToEnd.p99} ms, ` +
          `${verdict.throughputPerSec.toFixed(0)}/s${verdict.saturated ? ` — saturated: ${verdict.reasons.join('; ')}` : ''}`,
      );
      if (verdict.saturated) break;
    }
    return { mode, partitions: options.partitions, steps: results, outcome: ladderOutcome(results), lost };
  } finally {
    await sink.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await Promise.all(
      relays.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await admin.deleteTopics({ topics, timeout: 15_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
