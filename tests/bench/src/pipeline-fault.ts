/**
 * `npm run bench -- pipeline-fault` (or `pipeline --fault`): webhooks at a steady low rate while
 * normalizer, router, window-policy and assignment are SIGKILLed in turn and restarted at once,
 * then the broker is restarted (only a kafka-local broker this run started itself).
 *
 * Recovery of a service = time from its restarted process answering /health/ready to it
 * processing input that arrived after the fault:
 *   normalizer     first normalized message of a webhook accepted after the kill
 *   router         first routed conversation whose first webhook was accepted after the kill
 *   assignment     first assigned/queued decision for such a conversation
 *   window-policy  (publishes nothing for inbound messages) its consumer group's committed offset
 *                  on omni.message.normalized.v1 passing the log end as it was at the kill
 *   gateways       (broker restart) first webhook answered 2xx after the broker was back
 * Then every accepted webhook is checked: normalized exactly once, every new conversation decided
 * exactly once (by ce_id / conversation id).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Topics, type ConversationRouted } from '@omni/contracts';
import { accepted, integrityOf, latenciesOf, type SentWebhook } from './lib/ledger';
import { realClock, runOpenLoop } from './lib/open-model';
import { faultTargets, renderFaultMarkdown, resultBaseName, type FaultReport, type RecoveryFigure } from './lib/report';
import { gitCommit, log, machineInfo, settingsForReport, startBench, writeResults, type Bench } from './lib/run';
import { ROOT } from './lib/services';
import type { PipelineSettings } from './lib/settings';

const KILLED = ['normalizer', 'router', 'window-policy', 'assignment'] as const;
type Watched = (typeof KILLED)[number] | 'gateways';
const RECOVERY_TIMEOUT_MS = Number(process.env.BENCH_FAULT_RECOVERY_TIMEOUT_SECONDS ?? 120) * 1_000;

export async function runFaultBench(settings: PipelineSettings): Promise<void> {
  const startedAt = new Date();
  const notes: string[] = [];
  if (settings.quick) notes.push('Quick run: short gaps on whatever machine ran it; a smoke test of the benchmark, not a measurement.');
  const routedAt = new Map<string, number>();
  const bench = await startBench(settings, {
    extraTopics: [Topics.conversationRouted],
    onRecord: (topic, r) => {
      if (topic === Topics.conversationRouted.name) {
        const id = (r.value as ConversationRouted).conversationId;
        if (!routedAt.has(id)) routedAt.set(id, r.receivedAt);
      }
    },
  });
  const machine = await machineInfo(bench.env);
  const kafka = new Kafka({ brokers: bench.env.brokers, clientId: 'bench-fault-offsets', logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const gap = settings.faultGapSeconds * 1_000;
  const phases: string[] = ['steady'];
  let phase = 0;
  let stopping = false;
  const faults: RecoveryFigure[] = [];
  let report: FaultReport;
  try {
    log(`fault mode: webhooks at ${settings.faultRate}/s; ${settings.faultGapSeconds} s between faults`);
    const load = runOpenLoop({ rate: settings.faultRate, seconds: 7 * 24 * 3_600, shouldStop: () => stopping }, (_i, at) => bench.fire(phase, at));
    await sleep(gap);

    for (const name of KILLED) {
      phase = phases.push(`SIGKILL ${name}`) - 1;
      const normalizedTopic = `${bench.env.prefix}${Topics.messageNormalized.name}`;
      const killAt = realClock.now();
      log(`SIGKILL ${name} (pid ${bench.fleet.pid(name)}), restarting it at once…`);
      await bench.fleet.kill(name, 'SIGKILL');
      bench.fleet.start(name);
      // Read after the kill: the dead process cannot commit past this, only the new one can.
      const endsAtKill = name === 'window-policy' ? await logEnds(admin, normalizedTopic) : undefined;
      const readyAt = await bench.fleet.waitReady(name, RECOVERY_TIMEOUT_MS, 50);
      const processingAt = await waitProcessing(bench, name, killAt, routedAt, admin, endsAtKill);
      faults.push({
        name,
        signal: 'SIGKILL + immediate restart',
        restartToReadyMs: readyAt - killAt,
        readyToProcessingMs: processingAt === undefined ? undefined : Math.max(0, processingAt - readyAt),
        recoveryMs: processingAt === undefined ? undefined : Math.max(readyAt, processingAt) - killAt,
      });
      log(
        `  ${name}: ready ${((readyAt - killAt) / 1000).toFixed(2)} s after the kill, ` +
          (processingAt === undefined ? 'processing: NEVER (timeout)' : `processing ${(Math.max(0, processingAt - readyAt) / 1000).toFixed(2)} s after ready (${((Math.max(readyAt, processingAt) - killAt) / 1000).toFixed(2)} s after the kill)`),
      );
      await sleep(gap);
    }

    const local = bench.env.kafkaLocal;
    if (local) {
      phase = phases.push('broker restart') - 1;
      const normalizedTopic = `${bench.env.prefix}${Topics.messageNormalized.name}`;
      log('restarting the kafka-local broker (graceful stop, start)…');
      const stopAt = realClock.now();
      await kafkaLocal('stop', local);
      await kafkaLocal('start', local);
      const brokerReadyAt = realClock.now();
      // What window-policy must get past: the log end once the broker is back (read then, not before
      // the stop, or commits made just before the stop would count as recovery).
      const ends = await logEnds(admin, normalizedTopic);
      log(`  broker back after ${((brokerReadyAt - stopAt) / 1000).toFixed(1)} s`);
      const watched: Watched[] = ['gateways', ...KILLED];
      await Promise.all(
        watched.map(async (name) => {
          const at = await waitProcessing(bench, name, brokerReadyAt, routedAt, admin, name === 'window-policy' ? ends : undefined);
          faults.push({
            name: `broker restart → ${name}`,
            signal: 'broker stop + start',
            restartToReadyMs: brokerReadyAt - stopAt,
            readyToProcessingMs: at === undefined ? undefined : Math.max(0, at - brokerReadyAt),
            recoveryMs: at === undefined ? undefined : Math.max(0, at - brokerReadyAt),
          });
        }),
      );
      await sleep(gap);
    } else {
      faults.push({ name: 'kafka broker', signal: 'restart', skipped: 'KAFKA_BROKERS was given: the benchmark restarts only a broker it started itself (unset KAFKA_BROKERS to include it)' });
      notes.push('Broker restart skipped: the broker was not started by this run.');
    }

    phase = phases.push('after') - 1;
    await sleep(gap);
    stopping = true;
    await load;
    log('load stopped; waiting for everything accepted to come out…');
    const drained = await bench.settle(() => bench.ledger.webhooks, Math.max(settings.drainSeconds, 60));
    if (!drained) notes.push('Not everything accepted was normalized/decided by the end of the drain: counted as lost below.');

    const webhooks = bench.ledger.webhooks;
    const all = latenciesOf(bench.ledger, webhooks);
    const phaseFigures = phases.map((name, i) => {
      const mine = webhooks.filter((w) => w.step === i);
      const h = latenciesOf(bench.ledger, mine).webhookToAssigned;
      return { name, webhookToAssigned: h.summary(), failed: mine.filter((w) => w.status !== undefined && !accepted(w)).length };
    });
    notes.push(...bench.incidentNotes());
    notes.push(
      'Recovery = restarted process ready → it processed input that arrived after the fault (see the table); window-policy is judged by its committed offsets, ' +
        'so its figure includes its commit delay. A new Kafka group member waits for the killed member\'s session to expire before it gets partitions.',
    );
    const partial: Omit<FaultReport, 'targets'> = {
      kind: 'pipeline-fault',
      quick: settings.quick,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      settings: { rate: settings.faultRate, gapSeconds: settings.faultGapSeconds, recoveryTimeoutSeconds: RECOVERY_TIMEOUT_MS / 1000, ...settingsForReport(settings) },
      rate: settings.faultRate,
      faults,
      latency: { webhookTo2xx: all.webhookTo2xx.summary(), webhookToNormalized: all.webhookToNormalized.summary(), webhookToAssigned: all.webhookToAssigned.summary() },
      phases: phaseFigures,
      integrity: integrityOf(bench.ledger, webhooks),
      agents: { ...bench.desk.stats },
      notes,
      logDir: bench.logDir,
    };
    report = { ...partial, targets: faultTargets(partial) };
  } finally {
    stopping = true;
    await admin.disconnect().catch(() => undefined);
    await bench.stop().catch(() => undefined);
  }
  const markdown = renderFaultMarkdown(report);
  process.stdout.write(`\n${markdown}\n`);
  const files = writeResults(resultBaseName(startedAt, gitCommit().short, 'pipeline-fault', settings.quick), settings.resultsDir, report, markdown);
  log(`results: ${files.markdown} and ${files.json}`);
  if (!report.integrity.ok) throw new Error('loss or doubled effects detected (see "No loss, no doubles")');
}

type Admin = ReturnType<Kafka['admin']>;

async function logEnds(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    } catch (err) {
      if (attempt >= 120) throw err;
      await sleep(250);
    }
  }
}

/** Polls until `name` processed input that arrived after `since`; resolves with when (or undefined on timeout). */
async function waitProcessing(
  bench: Bench,
  name: Watched,
  since: number,
  routedAt: Map<string, number>,
  admin: Admin,
  endsAtFault?: Map<number, bigint>,
): Promise<number | undefined> {
  const deadline = realClock.now() + RECOVERY_TIMEOUT_MS;
  const after = (w: SentWebhook) => accepted(w) && w.answeredAt! > since;
  const group = `${bench.env.prefix}omni-window-policy`;
  const topic = `${bench.env.prefix}${Topics.messageNormalized.name}`;
  while (realClock.now() < deadline) {
    let at: number | undefined;
    const fresh = bench.ledger.webhooks.filter(after);
    if (name === 'gateways') at = min(fresh.map((w) => w.answeredAt!));
    else if (name === 'normalizer') at = min(fresh.map((w) => w.normalizedAt));
    else if (name === 'router') at = min(fresh.filter((w) => w.kind === 'new' && w.conversationId).map((w) => routedAt.get(w.conversationId!)));
    else if (name === 'assignment') at = min(fresh.filter((w) => w.kind === 'new').map((w) => bench.ledger.conversationOf(w)?.decidedAt));
    else {
      try {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        const moved = offsets?.partitions.some((p) => {
          const end = endsAtFault?.get(p.partition);
          return end !== undefined && p.offset !== '-1' && BigInt(p.offset) > end;
        });
        if (moved) at = realClock.now();
      } catch {
        // broker still settling: try again
      }
    }
    if (at !== undefined) return at;
    await sleep(50);
  }
  return undefined;
}

function min(values: Array<number | undefined>): number | undefined {
  let out: number | undefined;
  for (const v of values) if (v !== undefined && (out === undefined || v < out)) out = v;
  return out;
}

function kafkaLocal(command: 'start' | 'stop', instance: { port: number; controllerPort: number; dir: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'deploy/kafka-local/kafka-local.sh'), command], {
      env: { ...process.env, KAFKA_LOCAL_PORT: String(instance.port), KAFKA_LOCAL_CONTROLLER_PORT: String(instance.controllerPort), KAFKA_LOCAL_DIR: instance.dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kafka-local.sh ${command} failed (${code}): ${stderr.trim()}`))));
  });
}

