/**
 * The pipeline benchmark's results: one JSON document, and the markdown rendering of it printed
 * at the end and written beside it (tests/bench/results/<date>-<commit>-pipeline[-fault].md/.json).
 * Targets are shown next to the figures with pass / miss ("n/a" when a run did not measure them,
 * e.g. a quick run that never reached the target's rate).
 */
import type { AgentDeskStats } from './agents';
import type { LatencySummary } from './histogram';
import type { IntegrityReport } from './ledger';
import type { LadderOutcome, SaturationVerdict } from './saturation';
import type { CeilingResult } from '../relay/ceiling';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kafka: string;
  postgres: string;
  commit: string;
  /** Median ms of the CPU canary (lib/canary.ts) when the services were up and idle; lower is faster. */
  cpuCanaryMs?: number;
}

export interface ProcessFigure {
  name: string;
  cpuPercent?: number;
  rssMiB?: number;
}

export interface StepReport {
  rate: number;
  seconds: number;
  dispatched: number;
  accepted: number;
  failed: number;
  newConversations: number;
  replies: number;
  queued: number;
  webhookTo2xx: LatencySummary;
  webhookToNormalized: LatencySummary;
  /** New conversations, to the router's decision (absent in reports older than this field). */
  webhookToRouted?: LatencySummary;
  webhookToAssigned: LatencySummary;
  verdict: SaturationVerdict;
  /** Per service (and 'bench', 'kafka' when known): CPU ms per accepted webhook. */
  cpuMsPerMessage: Record<string, number | undefined>;
  /** Per service: largest RSS seen during the step, MiB. */
  rssMiBMax: Record<string, number | undefined>;
  generatorMaxLagMs: number;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  pass: boolean | null;
}

export interface PipelineReport {
  kind: 'pipeline';
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  idle: { seconds: number; processes: ProcessFigure[] };
  ladder: StepReport[];
  outcome: LadderOutcome & { sustainedConversationsPerSec: number };
  ceiling?: {
    variants: CeilingResult[];
    ceilingRate: number;
    basis: string;
    ratio?: number;
    /** The best variant saturated, so its rate is the ceiling and not a lower bound of it. */
    saturated: boolean;
  };
  integrity: IntegrityReport;
  agents: AgentDeskStats;
  targets: TargetCheck[];
  notes: string[];
  logDir: string;
}

export interface RecoveryFigure {
  name: string;
  /** Kill (the restart follows at once) → restarted process answers /health/ready; for the broker: stop → broker ready. */
  restartToReadyMs?: number;
  /** Ready → it processed input that arrived after the fault (first output event of its kind, or committed-offset progress). */
  readyToProcessingMs?: number;
  /**
   * What the ≤ 10 s target is judged on: for a killed service, kill/restart → processing again
   * (restartToReady + readyToProcessing); for a broker restart, broker back → processing again.
   */
  recoveryMs?: number;
  signal: string;
  skipped?: string;
}

export interface FaultReport {
  kind: 'pipeline-fault';
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  rate: number;
  faults: RecoveryFigure[];
  latency: { webhookTo2xx: LatencySummary; webhookToNormalized: LatencySummary; webhookToAssigned: LatencySummary };
  phases: Array<{ name: string; webhookToAssigned: LatencySummary; failed: number }>;
  integrity: IntegrityReport;
  agents: AgentDeskStats;
  targets: TargetCheck[];
  notes: string[];
  logDir: string;
}

// ------------------------------------------------------------------------------------- targets

export const TARGETS = {
  idleCpuPercent: 1,
  rssMiB: 150,
  targetRate: 100,
  targetSeconds: 60,
  webhookTo2xxP99Ms: 25,
  webhookToAssignedP99Ms: 250,
  saturationConversationsPerSec: 250,
  ceilingShare: 0.6,
  recoveryMs: 10_000,
} as const;

/** Rows shown for context, not judged against the per-service targets. */
const NOT_JUDGED = ['bench', 'kafka', 'postgres'];

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));

export function pipelineTargets(report: Omit<PipelineReport, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const measured = report.idle.processes.filter((p) => !NOT_JUDGED.includes(p.name));
  const worst = (key: 'cpuPercent' | 'rssMiB') =>
    measured.filter((p) => p[key] !== undefined).sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0))[0];
  const cpu = worst('cpuPercent');
  checks.push({
    name: 'Idle CPU per service',
    goal: `≤ ${TARGETS.idleCpuPercent} % of a core`,
    measured: cpu ? `worst ${fmt(cpu.cpuPercent, 2)} % (${cpu.name})` : 'n/a',
    pass: cpu ? measured.every((p) => (p.cpuPercent ?? 0) <= TARGETS.idleCpuPercent) : null,
  });
  const rss = worst('rssMiB');
  checks.push({
    name: 'Idle RSS per service',
    goal: `≤ ${TARGETS.rssMiB} MiB`,
    measured: rss ? `worst ${fmt(rss.rssMiB, 0)} MiB (${rss.name})` : 'n/a',
    pass: rss ? measured.every((p) => (p.rssMiB ?? 0) <= TARGETS.rssMiB) : null,
  });
  const atTarget = report.ladder.find((s) => s.rate === TARGETS.targetRate && s.seconds >= TARGETS.targetSeconds);
  const where = `at ${TARGETS.targetRate}/s for ${TARGETS.targetSeconds} s`;
  checks.push({
    name: `Webhook → 2xx p99 ${where}`,
    goal: `≤ ${TARGETS.webhookTo2xxP99Ms} ms`,
    measured: atTarget ? `${fmt(atTarget.webhookTo2xx.p99)} ms` : 'not run',
    pass: atTarget ? atTarget.webhookTo2xx.p99 <= TARGETS.webhookTo2xxP99Ms && atTarget.failed === 0 : null,
  });
  checks.push({
    name: `Webhook → assigned p99 ${where}`,
    goal: `≤ ${TARGETS.webhookToAssignedP99Ms} ms`,
    measured: atTarget ? `${fmt(atTarget.webhookToAssigned.p99)} ms` : 'not run',
    pass: atTarget ? atTarget.webhookToAssigned.p99 <= TARGETS.webhookToAssignedP99Ms && !atTarget.verdict.saturated : null,
  });
  const sustained = report.outcome.sustainedConversationsPerSec;
  const reached = report.outcome.saturatedAt !== undefined;
  checks.push({
    name: 'Saturation (new conversations/s kept up with)',
    goal: `≥ ${TARGETS.saturationConversationsPerSec}/s`,
    measured: `${fmt(sustained, 0)}/s${reached ? '' : ' (ladder ended before saturation)'}`,
    pass: sustained >= TARGETS.saturationConversationsPerSec ? true : reached ? false : null,
  });
  const ratio = report.ceiling?.ratio;
  const bounds = [reached ? '' : 'Omni not saturated: lower bound', report.ceiling?.saturated ? '' : 'ceiling not saturated: upper bound'].filter(Boolean).join('; ');
  checks.push({
    name: 'Share of the bare-kafkajs relay ceiling',
    goal: `≥ ${TARGETS.ceilingShare * 100} %`,
    measured:
      ratio === undefined ? 'n/a' : `${fmt(ratio * 100)} % (${report.outcome.sustainedRate}/s of ${report.ceiling!.ceilingRate}/s, ${report.ceiling!.basis}${bounds ? `; ${bounds}` : ''})`,
    // A pass needs a real ceiling (an unsaturated one is too low, flattering Omni); a miss needs
    // Omni's own saturation point (else Omni's figure is only a lower bound).
    pass: ratio === undefined ? null : ratio >= TARGETS.ceilingShare ? (report.ceiling!.saturated ? true : null) : reached ? false : null,
  });
  checks.push({
    name: 'No loss, no doubled effect',
    goal: '0 lost, 0 doubled',
    measured: integritySummary(report.integrity),
    pass: report.integrity.ok,
  });
  return checks;
}

export function faultTargets(report: Omit<FaultReport, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = report.faults.map((f) => ({
    name: `Recovery of ${f.name}`,
    goal: `processing again ≤ ${TARGETS.recoveryMs / 1000} s after restart`,
    measured: f.skipped
      ? `skipped: ${f.skipped}`
      : f.recoveryMs === undefined
        ? 'never resumed'
        : `${fmt(f.recoveryMs / 1000, 2)} s (${fmt((f.restartToReadyMs ?? NaN) / 1000, 2)} s to ready, then ${fmt((f.readyToProcessingMs ?? NaN) / 1000, 2)} s to processing)`,
    pass: f.skipped ? null : f.recoveryMs !== undefined && f.recoveryMs <= TARGETS.recoveryMs,
  }));
  checks.push({ name: 'No loss, no doubled effect', goal: '0 lost, 0 doubled', measured: integritySummary(report.integrity), pass: report.integrity.ok });
  return checks;
}

export function integritySummary(i: IntegrityReport): string {
  return (
    `${i.accepted} accepted: ${i.lostMessages} lost / ${i.doubledMessages} doubled messages; ` +
    `${i.newConversations} new conversations: ${i.lostConversations} lost / ${i.doubledAssignments + i.doubledQueued} doubled decisions` +
    (i.misthreadedReplies ? `; ${i.misthreadedReplies} replies in the wrong conversation` : '')
  );
}

// ------------------------------------------------------------------------------------- markdown

const verdictText = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'pass' : '**miss**');

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const pcts = (s: LatencySummary) => [fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.p999), fmt(s.max), s.n];

function machineSection(m: MachineInfo, started: string): string {
  return [
    `- Machine: ${m.cores} cores (${m.cpuModel}), ${fmt(m.memoryGiB, 0)} GiB, ${m.platform}, Node ${m.node}`,
    `- Kafka: ${m.kafka}; PostgreSQL: ${m.postgres}`,
    `- Commit ${m.commit}, started ${started}`,
    ...(m.cpuCanaryMs !== undefined ? [`- CPU canary: ${fmt(m.cpuCanaryMs)} ms (a fixed single-threaded workload, median of 7, with the services up and idle; lower is faster: two reports with different canaries ran on a faster and a slower machine)`] : []),
  ].join('\n');
}

function settingsSection(settings: Record<string, unknown>): string {
  return table(
    ['Setting', 'Value'],
    Object.entries(settings).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );
}

export function renderPipelineMarkdown(r: PipelineReport): string {
  const out: string[] = [];
  out.push(`# Pipeline benchmark${r.quick ? ' (quick run: not a measurement)' : ''}`, '');
  out.push(machineSection(r.machine, r.startedAt), '');
  out.push('## Targets', '', table(['Target', 'Goal', 'Measured', 'Result'], r.targets.map((t) => [t.name, t.goal, t.measured, verdictText(t.pass)])), '');
  out.push(`## Idle (${r.idle.seconds} s quiet window after warm-up, before load)`, '');
  out.push(
    table(
      ['Process', 'CPU % of a core', 'RSS MiB', `≤ ${TARGETS.idleCpuPercent} % CPU`, `≤ ${TARGETS.rssMiB} MiB`],
      r.idle.processes.map((p) => {
        const judged = !NOT_JUDGED.includes(p.name);
        return [
          p.name,
          fmt(p.cpuPercent, 2),
          fmt(p.rssMiB, 0),
          judged && p.cpuPercent !== undefined ? verdictText(p.cpuPercent <= TARGETS.idleCpuPercent) : '',
          judged && p.rssMiB !== undefined ? verdictText(p.rssMiB <= TARGETS.rssMiB) : '',
        ];
      }),
    ),
    '',
  );
  out.push('## Ladder (open model, latency from the scheduled send time)', '');
  out.push(
    table(
      ['Offered webhooks/s', 'Seconds', 'Sent', '2xx', 'Failed', 'New conv.', 'Replies', 'Queued', 'Decided/s', 'Kept up %', 'Backlog slope/s', 'Gen. lag max ms', 'Verdict'],
      r.ladder.map((s) => [
        s.rate,
        s.seconds,
        s.dispatched,
        s.accepted,
        s.failed,
        s.newConversations,
        s.replies,
        s.queued,
        fmt(s.verdict.throughputPerSec),
        fmt(s.verdict.keptUpRatio * 100),
        fmt(s.verdict.backlogSlope, 2),
        fmt(s.generatorMaxLagMs),
        s.verdict.saturated ? `saturated: ${s.verdict.reasons.join('; ')}` : 'kept up',
      ]),
    ),
    '',
  );
  out.push('Latency, ms (p50 / p90 / p99 / p99.9 / max, n):', '');
  out.push(
    table(
      ['Offered/s', 'Measure', 'p50', 'p90', 'p99', 'p99.9', 'max', 'n'],
      r.ladder.flatMap((s) => [
        [s.rate, 'webhook → 2xx', ...pcts(s.webhookTo2xx)],
        [s.rate, 'webhook → normalized', ...pcts(s.webhookToNormalized)],
        ...(s.webhookToRouted ? [[s.rate, 'webhook → routed (new conv.)', ...pcts(s.webhookToRouted)]] : []),
        [s.rate, 'webhook → assigned (new conv.)', ...pcts(s.webhookToAssigned)],
      ]),
    ),
    '',
  );
  const names = [...new Set(r.ladder.flatMap((s) => Object.keys(s.cpuMsPerMessage)))];
  if (names.length) {
    out.push('CPU ms per accepted webhook, per process (CPU time during the step and its drain ÷ webhooks accepted in the step):', '');
    out.push(table(['Process', ...r.ladder.map((s) => `${s.rate}/s`)], names.map((n) => [n, ...r.ladder.map((s) => fmt(s.cpuMsPerMessage[n], 3))])), '');
    out.push('Largest RSS during the step, MiB:', '');
    out.push(table(['Process', ...r.ladder.map((s) => `${s.rate}/s`)], names.filter((n) => r.ladder.some((s) => s.rssMiBMax[n] !== undefined)).map((n) => [n, ...r.ladder.map((s) => fmt(s.rssMiBMax[n], 0))])), '');
  }
  const o = r.outcome;
  out.push(
    `**Sustained:** ${o.sustainedRate} webhooks/s (${fmt(o.sustainedConversationsPerSec, 0)} new conversations/s decided) kept up with; ` +
      (o.saturatedAt !== undefined ? `saturated at ${o.saturatedAt}/s offered, measuring ${fmt(o.saturationThroughput)} decided conversations/s.` : 'no step saturated (raise BENCH_RATES to find the ceiling).'),
    '',
  );
  if (r.ceiling) {
    out.push('## Ceiling: bare kafkajs relay, same hops and guarantees', '');
    out.push(
      'One idempotent acks=all producer → 3 relay processes (consume topic N, produce to N+1 with acks=all, commit after the produce resolved) → sink. ' +
        `Partitions: ${r.ceiling.variants[0]?.partitions ?? 'n/a'}.`,
      '',
    );
    for (const v of r.ceiling.variants) {
      out.push(`### ${v.mode}`, '');
      out.push(
        table(
          ['Offered/s', 'Seconds', 'Delivered', 'Dup.', 'p50', 'p90', 'p99', 'p99.9', 'max', 'Delivered/s', 'Relay CPU ms/record', 'Verdict'],
          v.steps.map((s) => [
            s.rate,
            s.seconds,
            `${s.delivered}/${s.sent}`,
            s.duplicates,
            fmt(s.endToEnd.p50),
            fmt(s.endToEnd.p90),
            fmt(s.endToEnd.p99),
            fmt(s.endToEnd.p999),
            fmt(s.endToEnd.max),
            fmt(s.verdict.throughputPerSec),
            fmt(s.relayCpuMsPerRecord, 3),
            s.verdict.saturated ? `saturated: ${s.verdict.reasons.join('; ')}` : 'kept up',
          ]),
        ),
        '',
        `Max sustained: ${v.outcome.sustainedRate}/s` +
          (v.outcome.saturatedAt !== undefined ? ` (saturated at ${v.outcome.saturatedAt}/s, ${fmt(v.outcome.saturationThroughput)}/s measured)` : ' (not saturated: raise BENCH_CEILING_RATES)') +
          (v.lost ? `; ${v.lost} records lost` : ''),
        '',
      );
    }
    out.push(`**Ceiling** (${r.ceiling.basis}): ${r.ceiling.ceilingRate}/s; Omni/ceiling = ${r.ceiling.ratio === undefined ? 'n/a' : `${fmt(r.ceiling.ratio * 100)} %`}.`, '');
  }
  out.push('## No loss, no doubles', '', integrityTable(r.integrity), '');
  out.push(`Agents: ${r.agents.resolved} resolved, ${r.agents.alreadyResolved} already resolved, ${r.agents.retries} retried calls, ${r.agents.failed} failed.`, '');
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push('## Settings', '', settingsSection(r.settings), '', `Service logs: ${r.logDir}`, '');
  return out.join('\n');
}

function integrityTable(i: IntegrityReport): string {
  return table(
    ['Check', 'Count'],
    [
      ['webhooks answered 2xx', i.accepted],
      ['webhooks refused / unanswered', `${i.failed}${i.failed ? ` (${Object.entries(i.failedByStatus).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`],
      ['2xx webhooks never normalized (lost)', i.lostMessages],
      ['2xx webhooks normalized under two ce_ids (doubled)', i.doubledMessages],
      ['normalized records redelivered with the same ce_id (harmless)', i.redeliveredMessages],
      ['new conversations', i.newConversations],
      ['new conversations never assigned nor queued (lost)', i.lostConversations],
      ['conversations assigned twice (doubled)', i.doubledAssignments],
      ['conversations queued twice (doubled)', i.doubledQueued],
      ['decisions redelivered with the same ce_id (harmless)', i.redeliveredDecisions],
      ['still queued at the end (no free agent)', i.stillQueued],
      ['replies filed in another conversation', i.misthreadedReplies],
      ['normalized messages the benchmark never sent', i.unknownNormalized],
      ['verdict', i.ok ? 'ok' : '**FAILED**'],
    ],
  );
}

export function renderFaultMarkdown(r: FaultReport): string {
  const out: string[] = [];
  out.push(`# Pipeline fault benchmark${r.quick ? ' (quick run: not a measurement)' : ''}`, '');
  out.push(machineSection(r.machine, r.startedAt), '', `Webhooks at ${r.rate}/s throughout; each service SIGKILLed and restarted at once, in turn.`, '');
  out.push('## Targets', '', table(['Target', 'Goal', 'Measured', 'Result'], r.targets.map((t) => [t.name, t.goal, t.measured, verdictText(t.pass)])), '');
  out.push(
    '## Recovery',
    '',
    'Recovery of a killed service runs from the kill (the restart follows at once) to it processing input that arrived after the kill; ' +
      'of a broker restart, from the broker being back to each service processing again.',
    '',
  );
  out.push(
    table(
      ['Process', 'Fault', 'Kill/stop → ready s', 'Ready → processing s', 'Recovery s', `≤ ${TARGETS.recoveryMs / 1000} s`],
      r.faults.map((f) => [
        f.name,
        f.skipped ? `skipped: ${f.skipped}` : f.signal,
        fmt(f.restartToReadyMs === undefined ? undefined : f.restartToReadyMs / 1000, 2),
        fmt(f.readyToProcessingMs === undefined ? undefined : f.readyToProcessingMs / 1000, 2),
        fmt(f.recoveryMs === undefined ? undefined : f.recoveryMs / 1000, 2),
        f.skipped ? 'n/a' : verdictText(f.recoveryMs !== undefined && f.recoveryMs <= TARGETS.recoveryMs),
      ]),
    ),
    '',
  );
  out.push('## Latency during the faults, ms', '');
  out.push(
    table(
      ['Measure', 'p50', 'p90', 'p99', 'p99.9', 'max', 'n'],
      [
        ['webhook → 2xx', ...pcts(r.latency.webhookTo2xx)],
        ['webhook → normalized', ...pcts(r.latency.webhookToNormalized)],
        ['webhook → assigned (new conv.)', ...pcts(r.latency.webhookToAssigned)],
      ],
    ),
    '',
    table(
      ['Phase', 'assigned p50', 'p90', 'p99', 'p99.9', 'max', 'n', 'webhooks failed'],
      r.phases.map((p) => [p.name, ...pcts(p.webhookToAssigned), p.failed]),
    ),
    '',
  );
  out.push('## No loss, no doubles', '', integrityTable(r.integrity), '');
  out.push(`Agents: ${r.agents.resolved} resolved, ${r.agents.alreadyResolved} already resolved, ${r.agents.retries} retried calls, ${r.agents.failed} failed.`, '');
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push('## Settings', '', settingsSection(r.settings), '', `Service logs: ${r.logDir}`, '');
  return out.join('\n');
}

/** tests/bench/results/<YYYY-MM-DD>-<short commit>-<kind>[-quick] */
export function resultBaseName(date: Date, commit: string, kind: 'pipeline' | 'pipeline-fault', quick: boolean): string {
  const day = date.toISOString().slice(0, 10);
  return `${day}-${commit}-${kind}${quick ? '-quick' : ''}`;
}
