/**
 * Latency recording with HdrHistogram: values are kept in microseconds with 3 significant digits
 * (±0.1 %) from 1 µs to one hour, so percentiles up to p99.9 and the max are exact enough without
 * keeping every sample.
 */
import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;

const HOUR_US = 3_600_000_000;

export class LatencyHistogram {
  private readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: HOUR_US, numberOfSignificantValueDigits: 3, autoResize: true });

  /** One sample in milliseconds (negative clock noise counts as 0). */
  record(ms: number): void {
    const us = Math.round(Math.max(0, ms) * 1_000);
    this.histogram.recordValue(Math.min(us, HOUR_US));
  }

  add(other: LatencyHistogram): this {
    this.histogram.add(other.histogram);
    return this;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    return summarizeHistogram(this.histogram);
  }
}

const ms = (us: number) => Math.round(us) / 1_000;

/** Percentiles in milliseconds (three decimals); an empty histogram gives zeros with n = 0. */
export function summarizeHistogram(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { n: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    n: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** Convenience for a list of samples in ms. */
export function summarizeSamples(samples: Iterable<number>): LatencySummary {
  const h = new LatencyHistogram();
  for (const s of samples) h.record(s);
  return h.summary();
}
