import { LatencyHistogram, summarizeSamples } from './lib/histogram';

describe('latency histogram summary', () => {
  it('gives p50/p90/p99/p99.9/max within HdrHistogram precision (3 significant digits)', () => {
    const s = summarizeSamples(Array.from({ length: 10_000 }, (_, i) => (i + 1) / 10)); // 0.1 … 1000 ms
    expect(s.n).toBe(10_000);
    expect(s.p50).toBeCloseTo(500, -0.5);
    expect(s.p90).toBeCloseTo(900, -0.5);
    expect(s.p99).toBeCloseTo(990, -0.5);
    expect(s.p999).toBeCloseTo(999, -0.5);
    expect(s.max).toBeGreaterThanOrEqual(999);
    expect(s.max).toBeLessThanOrEqual(1_001);
    expect(s.mean).toBeCloseTo(500, -0.5);
  });

  it('keeps sub-millisecond resolution and rounds to microseconds', () => {
    const h = new LatencyHistogram();
    h.record(0.25);
    h.record(0.25);
    h.record(1.5);
    const s = h.summary();
    expect(s.p50).toBeCloseTo(0.25, 3);
    expect(s.max).toBeCloseTo(1.5, 2);
  });

  it('shows the tail: two slow requests in a thousand move p99.9 and max, not p99', () => {
    const s = summarizeSamples([...Array.from({ length: 998 }, () => 5), 2_000, 2_000]);
    expect(s.p99).toBeCloseTo(5, 1);
    expect(s.max).toBeGreaterThan(1_990);
    expect(s.p999).toBeGreaterThan(1_990);
  });

  it('is all zeros when empty, counts negative clock noise as 0, and merges', () => {
    expect(new LatencyHistogram().summary()).toEqual({ n: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    const a = new LatencyHistogram();
    a.record(-3);
    const b = new LatencyHistogram();
    b.record(10);
    expect(a.add(b).summary()).toMatchObject({ n: 2, p50: 0, max: 10 });
  });
});
