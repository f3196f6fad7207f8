/**
 * `npm run bench -- pipeline`: the whole inbound path in the real topology — eight service
 * processes on a real Kafka and PostgreSQL — under an open-model load of signed webhooks from all
 * four channels, with agents who resolve what they are given through the assignment API.
 *
 *   1. start the services (as `npm start` does), the tap and the agents; warm up the broker (a
 *      bare relay), then the services
 *   2. idle: CPU and RSS of every process over a quiet window
 *   3. a ladder of offered rates, each step drained before the next, until one saturates
 *   4. the ceiling: a bare kafkajs relay with the same hops and guarantees, same search
 *   5. the no-loss / no-double check over every webhook, then the report
 *
 * With `--fault` (or `pipeline-fault`) it runs the fault mode instead (./pipeline-fault.ts).
 * Knobs: docs/benchmarks.md.
 */
import { summarizeSamples } from './lib/histogram';
import { latenciesOf, integrityOf } from './lib/ledger';
import { requestCount, runOpenLoop } from './lib/open-model';
import { cpuDeltaMs, cpuPercentOfCore, MiB } from './lib/procstat';
import { pipelineTargets, renderPipelineMarkdown, resultBaseName, type PipelineReport, type StepReport } from './lib/report';
import { gitCommit, log, machineInfo, settingsForReport, startBench, writeResults, type Bench } from './lib/run';
import { ladderOutcome, saturationVerdict, targetStepAfter, type BacklogSample } from './lib/saturation';
import { pipelineSettings, type LadderStep, type PipelineSettings } from './lib/settings';
import { runCeiling, type CeilingResult } from './relay/ceiling';
import { runFaultBench } from './pipeline-fault';

async function runStep(bench: Bench, stepNo: number, { rate, seconds }: LadderStep): Promise<StepReport> {
  const { ledger, sampler, settings } = bench;
  const before = sampler.sample();
  sampler.trackRss();
  const backlog: BacklogSample[] = [];
  let t0 = 0;
  const timer = setInterval(() => {
    if (t0) backlog.push({ t: (performance.timeOrigin + performance.now() - t0) / 1_000, backlog: ledger.backlog(stepNo) });
  }, 250);
  log(`step ${stepNo + 1}: ${rate} webhooks/s for ${seconds} s (${requestCount(rate, seconds)} webhooks)…`);
  const loop = await runOpenLoop({ rate, seconds }, (i, at) => {
    if (i === 0) t0 = at;
    bench.fire(stepNo, at);
  });
  t0 = loop.t0;
  const endAt = loop.t0 + seconds * 1_000;
  const webhooks = ledger.webhooksOf(stepNo);
  const drained = await bench.settle(() => webhooks, settings.drainSeconds);
  clearInterval(timer);
  const after = sampler.sample();

  const fresh = webhooks.filter((w) => w.kind === 'new');
  const graceEnd = endAt + settings.graceSeconds * 1_000;
  const completedInTime = fresh.filter((w) => {
    const decidedAt = ledger.conversationOf(w)?.decidedAt;
    return decidedAt !== undefined && decidedAt <= graceEnd && w.status !== undefined && w.status < 300 && w.status >= 200;
  }).length;
  const decidedIn = fresh.flatMap((w) => {
    const at = ledger.conversationOf(w)?.decidedAt;
    return at === undefined ? [] : [at - w.scheduledAt];
  });
  const rampSec = summarizeSamples(decidedIn).p90 / 1_000;
  const verdict = saturationVerdict({ offeredPerSec: fresh.length / seconds, durationSec: seconds, sent: fresh.length, completedInTime, backlog, rampSec });
  if (!drained) {
    verdict.reasons.push(`not drained: nothing came out for ${settings.drainSeconds} s after the step`);
    verdict.saturated = true;
  }
  const lat = latenciesOf(ledger, webhooks);
  const accepted = webhooks.filter((w) => w.status !== undefined && w.status >= 200 && w.status < 300).length;
  const cpuMsPerMessage: Record<string, number | undefined> = {};
  for (const name of sampler.names()) {
    const delta = cpuDeltaMs(before.get(name), after.get(name));
    cpuMsPerMessage[name] = delta !== undefined && accepted ? delta / accepted : undefined;
  }
  const step: StepReport = {
    rate,
    seconds,
    dispatched: webhooks.length,
    accepted,
    failed: webhooks.length - accepted,
    newConversations: fresh.length,
    replies: webhooks.length - fresh.length,
    queued: fresh.filter((w) => (ledger.conversationOf(w)?.queuedIds.size ?? 0) > 0).length,
    webhookTo2xx: lat.webhookTo2xx.summary(),
    webhookToNormalized: lat.webhookToNormalized.summary(),
    webhookToRouted: lat.webhookToRouted.summary(),
    webhookToAssigned: lat.webhookToAssigned.summary(),
    verdict,
    cpuMsPerMessage,
    rssMiBMax: sampler.rssMaxMiB(),
    generatorMaxLagMs: loop.maxDispatchLagMs,
  };
  log(
    `  ${accepted}/${webhooks.length} accepted; 2xx p99 ${step.webhookTo2xx.p99} ms, normalized p99 ${step.webhookToNormalized.p99} ms, routed p99 ${step.webhookToRouted?.p99} ms, ` +
      `assigned p99 ${step.webhookToAssigned.p99} ms; ${verdict.throughputPerSec.toFixed(1)} conversations/s decided` +
      (verdict.saturated ? ` — SATURATED: ${verdict.reasons.join('; ')}` : ' — kept up'),
  );
  return step;
}

async function idleWindow(bench: Bench): Promise<PipelineReport['idle']> {
  const seconds = bench.settings.idleSeconds;
  log(`idle window: ${seconds} s with no traffic…`);
  const before = bench.sampler.sample();
  const started = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  const after = bench.sampler.sample();
  const wall = Date.now() - started;
  const processes = bench.sampler.names().map((name) => ({
    name,
    cpuPercent: cpuPercentOfCore(before.get(name), after.get(name), wall),
    rssMiB: after.get(name)?.rssBytes !== undefined ? after.get(name)!.rssBytes! / MiB : undefined,
  }));
  for (const p of processes) log(`  ${p.name.padEnd(18)} ${p.cpuPercent?.toFixed(2) ?? 'n/a'} % CPU, ${p.rssMiB?.toFixed(0) ?? 'n/a'} MiB RSS`);
  return { seconds, processes };
}

/**
 * Loads the broker with the ceiling's bare relay (results discarded) before anything is measured.
 * A broker started minutes ago, as the bench's own or a fresh `npm run kafka:start` is, spends
 * about twice the CPU per request of one that has carried traffic for a while (its JIT), and would
 * charge that to whichever step runs first. A long-running broker is the case worth measuring.
 */
async function warmBroker(bench: Bench, settings: PipelineSettings): Promise<void> {
  if (settings.brokerWarmupSeconds <= 0) return;
  log(`broker warm-up: bare kafkajs relay at ${settings.brokerWarmupRate}/s for ${settings.brokerWarmupSeconds} s`);
  await runCeiling('eachBatch', {
    brokers: bench.env.brokers,
    prefix: `${bench.env.prefix}warmup.`,
    partitions: settings.partitions,
    ladder: [{ rate: settings.brokerWarmupRate, seconds: settings.brokerWarmupSeconds }],
    payloadBytes: settings.ceiling.payloadBytes,
    concurrency: settings.ceiling.concurrency,
    graceSeconds: settings.graceSeconds,
    drainSeconds: settings.drainSeconds,
    log: () => undefined,
  });
}

async function main(): Promise<void> {
  const settings = pipelineSettings(process.env, process.argv.slice(2));
  if (settings.fault) return runFaultBench(settings);
  const startedAt = new Date();
  const notes: string[] = [];
  if (settings.quick) notes.push('Quick run: short low-rate steps on whatever machine ran it; a smoke test of the benchmark, not a measurement.');
  const bench = await startBench(settings);
  const machine = await machineInfo(bench.env);
  let report: PipelineReport;
  try {
    await warmBroker(bench, settings);
    // Warm-up: JIT, connection pools, consumer fetch sessions; excluded from every figure.
    if (settings.warmupSeconds > 0) {
      log(`warm-up: ${settings.warmupRate}/s for ${settings.warmupSeconds} s`);
      await runOpenLoop({ rate: settings.warmupRate, seconds: settings.warmupSeconds }, (_i, at) => bench.fire(-1, at));
      if (!(await bench.settle(() => bench.ledger.webhooksOf(-1), settings.drainSeconds))) notes.push('Warm-up did not drain in time.');
      // Let the agents' resolutions of the warm-up finish before measuring idle.
      await new Promise((r) => setTimeout(r, settings.holdMs + 1_000));
    }
    const idle = await idleWindow(bench);

    const ladder: StepReport[] = [];
    for (const [i, step] of settings.ladder.entries()) {
      const result = await runStep(bench, i, step);
      ladder.push(result);
      if (!result.verdict.saturated) continue;
      const target = targetStepAfter(settings.ladder, i, settings.targetRate);
      if (target !== undefined) ladder.push(await runStep(bench, target, settings.ladder[target]!));
      break;
    }
    const outcome = ladderOutcome(ladder);
    // The steps below the first saturated one (a target step run after it does not count).
    const firstSaturated = ladder.findIndex((s) => s.verdict.saturated);
    const kept = firstSaturated < 0 ? ladder : ladder.slice(0, firstSaturated);
    const best = kept[kept.length - 1];
    const sustainedConversationsPerSec = best ? best.verdict.throughputPerSec : 0;

    // Every webhook of the run (warm-up included) against what came out.
    await bench.settle(() => bench.ledger.webhooks, settings.drainSeconds);
    const integrity = integrityOf(bench.ledger, bench.ledger.webhooks);
    const agents = { ...bench.desk.stats };
    notes.push(...bench.incidentNotes());
    notes.push(
      'Latencies run from the scheduled send time of each webhook (open model); "decided" = first assigned-or-queued event; ' +
        '"kept up" = ≥ 90 % of the step\'s new conversations decided by the end of the step + grace and no growing backlog.',
      'CPU per message includes each process\'s background work (polls, outbox relay) during the step and its drain; "bench" is the load generator + tap + agents on the same machine.',
    );
    await bench.stop();

    let ceiling: PipelineReport['ceiling'];
    if (settings.ceiling.enabled) {
      const variants: CeilingResult[] = [];
      for (const mode of ['eachMessage', 'eachBatch'] as const) {
        log(`ceiling: bare kafkajs relay, ${mode}…`);
        variants.push(
          await runCeiling(mode, {
            brokers: bench.env.brokers,
            prefix: bench.env.prefix,
            partitions: settings.partitions,
            ladder: settings.ceiling.ladder,
            payloadBytes: settings.ceiling.payloadBytes,
            concurrency: settings.ceiling.concurrency,
            graceSeconds: settings.graceSeconds,
            drainSeconds: settings.drainSeconds,
            log,
          }),
        );
      }
      const ceilingRate = Math.max(...variants.map((v) => v.outcome.sustainedRate));
      const basis = variants.find((v) => v.outcome.sustainedRate === ceilingRate)?.mode ?? 'n/a';
      const saturated = variants.some((v) => v.outcome.sustainedRate === ceilingRate && v.outcome.saturatedAt !== undefined);
      ceiling = {
        variants,
        ceilingRate,
        basis: `best of the two variants: ${basis}`,
        ratio: ceilingRate > 0 && outcome.sustainedRate > 0 ? outcome.sustainedRate / ceilingRate : undefined,
        saturated,
      };
      if (variants.some((v) => v.outcome.saturatedAt === undefined)) notes.push('A ceiling variant never saturated: its figure is a lower bound (raise BENCH_CEILING_RATES).');
    }

    const partial: Omit<PipelineReport, 'targets'> = {
      kind: 'pipeline',
      quick: settings.quick,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      settings: settingsForReport(settings),
      idle,
      ladder,
      outcome: { ...outcome, sustainedConversationsPerSec },
      ceiling,
      integrity,
      agents,
      notes,
      logDir: bench.logDir,
    };
    report = { ...partial, targets: pipelineTargets(partial) };
  } catch (err) {
    await bench.stop().catch(() => undefined);
    throw err;
  }
  const markdown = renderPipelineMarkdown(report);
  process.stdout.write(`\n${markdown}\n`);
  const files = writeResults(resultBaseName(startedAt, gitCommit().short, 'pipeline', settings.quick), settings.resultsDir, report, markdown);
  log(`results: ${files.markdown} and ${files.json}`);
  if (!report.integrity.ok) throw new Error('loss or doubled effects detected (see "No loss, no doubles")');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
