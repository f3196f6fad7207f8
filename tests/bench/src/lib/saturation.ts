/**
 * Did a step keep up with its offered load? Two independent signs of saturation:
 *
 *   1. throughput: fewer than 90 % of the step's work items were completed by the end of the
 *      step plus a short grace (one end-to-end latency's worth), or
 *   2. backlog growth: the number of items sent but not yet completed keeps rising through the
 *      second half of the step (least-squares slope above max(2/s, 5 % of the offered rate)).
 *
 * A system that keeps up holds a flat backlog of about rate × latency; a saturated one adds
 * (offered − capacity) items to it every second.
 */

export interface BacklogSample {
  /** Seconds since the step started. */
  t: number;
  backlog: number;
}

export interface StepObservation {
  /** Items per second the generator offered (for the pipeline: new conversations per second). */
  offeredPerSec: number;
  durationSec: number;
  /** Items sent during the step. */
  sent: number;
  /** Of those, how many completed by the end of the step + grace. */
  completedInTime: number;
  backlog: BacklogSample[];
  /**
   * How long the backlog takes to fill up to its steady level (about the end-to-end latency, e.g.
   * its p90), seconds. The slope is fitted only after it, so a step shorter than a few latencies
   * is judged on throughput alone.
   */
  rampSec?: number;
}

export interface SaturationOptions {
  minRatio: number;
  /** Backlog slope (items/s) that counts as growing, as a share of the offered rate… */
  slopeShare: number;
  /** …but never less than this many items per second. */
  minSlope: number;
}

export const DEFAULT_SATURATION: SaturationOptions = { minRatio: 0.9, slopeShare: 0.05, minSlope: 2 };

export interface SaturationVerdict {
  saturated: boolean;
  /** Completed items per second of step time. */
  throughputPerSec: number;
  /** completedInTime / sent. */
  keptUpRatio: number;
  /** Backlog slope over the second half of the step (after the ramp), items per second; NaN when not judged. */
  backlogSlope: number;
  reasons: string[];
}

/** Least-squares slope of backlog over time (0 with fewer than three samples). */
export function slope(samples: readonly BacklogSample[]): number {
  if (samples.length < 3) return 0;
  const n = samples.length;
  const meanT = samples.reduce((s, p) => s + p.t, 0) / n;
  const meanB = samples.reduce((s, p) => s + p.backlog, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - meanT) * (p.backlog - meanB);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function saturationVerdict(step: StepObservation, options: SaturationOptions = DEFAULT_SATURATION): SaturationVerdict {
  const throughputPerSec = step.durationSec > 0 ? step.completedInTime / step.durationSec : 0;
  const keptUpRatio = step.sent > 0 ? step.completedInTime / step.sent : 1;
  const from = Math.max(step.durationSec / 2, step.rampSec ?? 0);
  // At least two seconds (and a quarter of the step) of settled backlog, or the slope says nothing.
  const judged = step.durationSec - from >= Math.max(2, step.durationSec / 4);
  const window = step.backlog.filter((s) => s.t >= from && s.t <= step.durationSec);
  const backlogSlope = judged ? slope(window) : NaN;
  const reasons: string[] = [];
  if (keptUpRatio < options.minRatio) reasons.push(`only ${(keptUpRatio * 100).toFixed(1)} % completed in time (< ${options.minRatio * 100} %)`);
  const limit = Math.max(options.minSlope, options.slopeShare * step.offeredPerSec);
  if (judged && backlogSlope > limit) reasons.push(`backlog growing by ${backlogSlope.toFixed(1)}/s (> ${limit.toFixed(1)}/s)`);
  return { saturated: reasons.length > 0, throughputPerSec, keptUpRatio, backlogSlope, reasons };
}

export interface LadderOutcome {
  /** Highest offered rate of a step that did not saturate (0 when even the first did). */
  sustainedRate: number;
  /** Measured throughput of the first saturated step (undefined when none saturated). */
  saturationThroughput?: number;
  saturatedAt?: number;
}

/** Sums up a ladder climbed in order (steps after the first saturated one are never run). */
export function ladderOutcome(steps: ReadonlyArray<{ rate: number; verdict: SaturationVerdict }>): LadderOutcome {
  let sustainedRate = 0;
  for (const step of steps) {
    if (step.verdict.saturated) return { sustainedRate, saturationThroughput: step.verdict.throughputPerSec, saturatedAt: step.rate };
    sustainedRate = Math.max(sustainedRate, step.rate);
  }
  return { sustainedRate };
}

/**
 * The step still worth running once the step at `saturatedIndex` saturated: climbing further says
 * nothing new, but the target rate (the latency targets are measured there) is run when
 * the ladder has not reached it yet, so every full report carries its figures.
 */
export function targetStepAfter(ladder: ReadonlyArray<{ rate: number }>, saturatedIndex: number, targetRate: number): number | undefined {
  const index = ladder.findIndex((step, i) => i > saturatedIndex && step.rate === targetRate);
  return index >= 0 ? index : undefined;
}
