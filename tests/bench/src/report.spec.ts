import type { LatencySummary } from './lib/histogram';
import type { IntegrityReport } from './lib/ledger';
import { faultTargets, pipelineTargets, renderFaultMarkdown, renderPipelineMarkdown, resultBaseName, table, type FaultReport, type PipelineReport, type StepReport } from './lib/report';

const lat = (p99: number): LatencySummary => ({ n: 1_000, mean: p99 / 3, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });
const integrity = (over: Partial<IntegrityReport> = {}): IntegrityReport => ({
  accepted: 100,
  failed: 0,
  failedByStatus: {},
  lostMessages: 0,
  doubledMessages: 0,
  redeliveredMessages: 0,
  newConversations: 70,
  lostConversations: 0,
  doubledAssignments: 0,
  doubledQueued: 0,
  redeliveredDecisions: 0,
  stillQueued: 0,
  misthreadedReplies: 0,
  unknownNormalized: 0,
  ok: true,
  ...over,
});
const step = (rate: number, seconds: number, over: Partial<StepReport> = {}): StepReport => ({
  rate,
  seconds,
  dispatched: rate * seconds,
  accepted: rate * seconds,
  failed: 0,
  newConversations: rate * seconds * 0.7,
  replies: rate * seconds * 0.3,
  queued: 0,
  webhookTo2xx: lat(12),
  webhookToNormalized: lat(40),
  webhookToRouted: lat(80),
  webhookToAssigned: lat(120),
  verdict: { saturated: false, throughputPerSec: rate * 0.7, keptUpRatio: 1, backlogSlope: 0, reasons: [] },
  cpuMsPerMessage: { normalizer: 1.234, bench: 0.2 },
  rssMiBMax: { normalizer: 120 },
  generatorMaxLagMs: 1,
  ...over,
});
const machine = { cores: 8, cpuModel: 'Test CPU', memoryGiB: 32, node: 'v20.19.0', platform: 'linux 6', kafka: 'external 127.0.0.1:9092', postgres: 'PostgreSQL 15', commit: 'abc1234' };

function pipeline(over: Partial<PipelineReport> = {}): Omit<PipelineReport, 'targets'> {
  return {
    kind: 'pipeline',
    quick: false,
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:24:05.000Z',
    machine,
    settings: { replyRatio: 0.3 },
    idle: { seconds: 20, processes: [{ name: 'normalizer', cpuPercent: 0.4, rssMiB: 120 }, { name: 'router', cpuPercent: 0.2, rssMiB: 110 }, { name: 'bench', cpuPercent: 30, rssMiB: 400 }] },
    ladder: [step(50, 20), step(100, 60), step(400, 20, { verdict: { saturated: true, throughputPerSec: 255, keptUpRatio: 0.8, backlogSlope: 30, reasons: ['only 80.0 % completed in time (< 90 %)'] } })],
    outcome: { sustainedRate: 100, saturatedAt: 400, saturationThroughput: 255, sustainedConversationsPerSec: 70 },
    ceiling: { variants: [], ceilingRate: 1_000, basis: 'best of the two variants: eachBatch', ratio: 0.1, saturated: true },
    integrity: integrity(),
    agents: { resolved: 10, alreadyResolved: 0, retries: 0, failed: 0, pending: 0 },
    notes: ['a note'],
    logDir: '/tmp/logs',
    ...over,
  };
}

describe('pipeline report', () => {
  it('judges every target with pass / miss / n/a', () => {
    const targets = pipelineTargets(pipeline());
    const by = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(by['Idle CPU per service']).toMatchObject({ pass: true, measured: 'worst 0.40 % (normalizer)' }); // 'bench' is not judged
    expect(by['Idle RSS per service']).toMatchObject({ pass: true });
    expect(by['Webhook → 2xx p99 at 100/s for 60 s']).toMatchObject({ pass: true, measured: '12.0 ms' });
    expect(by['Webhook → assigned p99 at 100/s for 60 s']).toMatchObject({ pass: true, measured: '120.0 ms' });
    expect(by['Saturation (new conversations/s kept up with)']).toMatchObject({ pass: false, measured: '70/s' });
    expect(by['Share of the bare-kafkajs relay ceiling']).toMatchObject({ pass: false });
    expect(by['No loss, no doubled effect']).toMatchObject({ pass: true });
  });

  it('passes the ceiling share only against a saturated ceiling, and misses it only once Omni saturated', () => {
    const share = (over: Partial<PipelineReport>) => pipelineTargets(pipeline(over)).find((t) => t.name === 'Share of the bare-kafkajs relay ceiling')!;
    const ceiling = (ratio: number, saturated: boolean) => ({ variants: [], ceilingRate: 200, basis: 'b', ratio, saturated });
    expect(share({ ceiling: ceiling(0.8, true) }).pass).toBe(true);
    expect(share({ ceiling: ceiling(0.8, false) })).toMatchObject({ pass: null, measured: expect.stringContaining('ceiling not saturated: upper bound') });
    expect(share({ ceiling: ceiling(0.3, false) }).pass).toBe(false);
    expect(share({ ceiling: ceiling(0.3, true), outcome: { sustainedRate: 60, sustainedConversationsPerSec: 42 } })).toMatchObject({ pass: null, measured: expect.stringContaining('Omni not saturated: lower bound') });
  });

  it('says n/a for what a run did not measure, and misses on loss', () => {
    const quick = pipeline({ quick: true, ladder: [step(10, 8), step(20, 8)], outcome: { sustainedRate: 20, sustainedConversationsPerSec: 14 }, ceiling: undefined, integrity: integrity({ lostMessages: 1, ok: false }) });
    const by = Object.fromEntries(pipelineTargets(quick).map((t) => [t.name, t.pass]));
    expect(by['Webhook → 2xx p99 at 100/s for 60 s']).toBeNull();
    expect(by['Saturation (new conversations/s kept up with)']).toBeNull();
    expect(by['Share of the bare-kafkajs relay ceiling']).toBeNull();
    expect(by['No loss, no doubled effect']).toBe(false);
  });

  it('renders machine, targets, idle, ladder, latency and CPU tables as markdown', () => {
    const partial = pipeline();
    const md = renderPipelineMarkdown({ ...partial, targets: pipelineTargets(partial) });
    expect(md).toContain('# Pipeline benchmark\n');
    expect(md).toContain('8 cores (Test CPU)');
    expect(md).toMatch(/\| Idle CPU per service \| ≤ 1 % of a core \| worst 0\.40 % \(normalizer\) \| pass \|/);
    expect(md).toMatch(/\| Saturation \(new conversations\/s kept up with\) \| ≥ 250\/s \| 70\/s \| \*\*miss\*\* \|/);
    expect(md).toMatch(/\| 100 \| webhook → 2xx \| 3\.0 \| 6\.0 \| 12\.0 \| 24\.0 \| 36\.0 \| 1000 \|/);
    expect(md).toMatch(/\| 100 \| webhook → normalized \|[^\n]*\n\| 100 \| webhook → routed \(new conv\.\) \| 20\.0 \|[^\n]*\n\| 100 \| webhook → assigned/);
    expect(md).toMatch(/\| normalizer \| 1\.234 \| 1\.234 \| 1\.234 \|/);
    expect(md).toContain('saturated: only 80.0 % completed in time (< 90 %)');
    expect(md).toContain('saturated at 400/s offered, measuring 255.0 decided conversations/s');
    expect(md).toContain('Omni/ceiling = 10.0 %');
    expect(md).toContain('- a note');
    expect(md).not.toContain('CPU canary');
    expect(renderPipelineMarkdown({ ...partial, machine: { ...partial.machine, cpuCanaryMs: 51.84 }, targets: [] })).toContain('- CPU canary: 51.8 ms (');
  });

  it('marks a quick run as not a measurement and names result files by date, commit and kind', () => {
    const partial = pipeline({ quick: true });
    expect(renderPipelineMarkdown({ ...partial, targets: [] })).toContain('(quick run: not a measurement)');
    expect(resultBaseName(new Date('2026-03-04T23:00:00Z'), 'abc1234', 'pipeline', false)).toBe('2026-03-04-abc1234-pipeline');
    expect(resultBaseName(new Date('2026-03-04T23:00:00Z'), 'abc1234', 'pipeline-fault', true)).toBe('2026-03-04-abc1234-pipeline-fault-quick');
  });

  it('escapes pipes in table cells', () => {
    expect(table(['a', 'b'], [['x|y', 1]])).toBe('| a | b |\n| --- | --- |\n| x\\|y | 1 |');
  });
});

describe('fault report', () => {
  const partial: Omit<FaultReport, 'targets'> = {
    kind: 'pipeline-fault',
    quick: false,
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:14:05.000Z',
    machine,
    settings: {},
    rate: 10,
    faults: [
      { name: 'normalizer', signal: 'SIGKILL + immediate restart', restartToReadyMs: 2_000, readyToProcessingMs: 1_500, recoveryMs: 3_500 },
      { name: 'router', signal: 'SIGKILL + immediate restart', restartToReadyMs: 2_000, readyToProcessingMs: 27_000, recoveryMs: 29_000 },
      { name: 'assignment', signal: 'SIGKILL + immediate restart', restartToReadyMs: 10_500, readyToProcessingMs: 100, recoveryMs: 10_600 },
      { name: 'kafka broker', signal: 'restart', skipped: 'not ours' },
    ],
    latency: { webhookTo2xx: lat(10), webhookToNormalized: lat(50), webhookToAssigned: lat(900) },
    phases: [{ name: 'SIGKILL router', webhookToAssigned: lat(27_000), failed: 0 }],
    integrity: integrity(),
    agents: { resolved: 1, alreadyResolved: 1, retries: 3, failed: 0, pending: 0 },
    notes: [],
    logDir: '/tmp/x',
  };

  it('judges recovery (kill → processing again) per service against 10 s, skipped ones n/a', () => {
    const t = faultTargets(partial);
    expect(t.map((c) => c.pass)).toEqual([true, false, false, null, true]);
    expect(t[1]!.measured).toBe('29.00 s (2.00 s to ready, then 27.00 s to processing)');
  });

  it('renders the recovery table', () => {
    const md = renderFaultMarkdown({ ...partial, targets: faultTargets(partial) });
    expect(md).toMatch(/\| router \| SIGKILL \+ immediate restart \| 2\.00 \| 27\.00 \| 29\.00 \| \*\*miss\*\* \|/);
    expect(md).toMatch(/\| kafka broker \| skipped: not ours \| n\/a \| n\/a \| n\/a \| n\/a \|/);
  });
});
