import { backoffDelayMs } from './backoff';

const policy = { baseMs: 5_000, maxDelayMs: 2 * 3_600_000 };

describe('webhook retry backoff', () => {
  it('doubles from the base up to the ceiling, jitter within [half, all] of it', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([2_500, 5_000, 10_000, 20_000]);
    expect(backoffDelayMs(30, policy, () => 1)).toBe(policy.maxDelayMs);
    expect(backoffDelayMs(10_000, policy, () => 0.5)).toBe(Math.round(policy.maxDelayMs * 0.75));
  });

  it('spreads deliveries that failed together', () => {
    const draws = [0.1, 0.4, 0.9];
    const delays = draws.map((r) => backoffDelayMs(5, policy, () => r));
    expect(new Set(delays).size).toBe(3);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(40_000);
      expect(d).toBeLessThanOrEqual(80_000);
    }
  });

  it('with the defaults, keeps retrying over the whole 24 h window (about 20 attempts, never a gap over 2 h)', () => {
    let elapsed = 0;
    let attempts = 1;
    while (elapsed < 24 * 3_600_000) elapsed += backoffDelayMs(attempts++, policy, () => 0);
    expect(attempts).toBeGreaterThan(15);
    expect(attempts).toBeLessThan(40);
  });
});
