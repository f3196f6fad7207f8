import { dueCount, requestCount, runOpenLoop, scheduledAt, seededRandom, weightedRoundRobin, type OpenLoopClock } from './lib/open-model';

/** A clock that only moves when the loop sleeps (plus an optional stall injected per call). */
function fakeClock(start = 1_000, stallMs: (i: number) => number = () => 0): OpenLoopClock & { sleeps: number[] } {
  let now = start;
  let calls = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += Math.max(0, ms) + stallMs(calls++);
    },
  };
}

describe('open-model schedule', () => {
  it('puts request i at t0 + i/rate', () => {
    expect(scheduledAt(1_000, 100, 0)).toBe(1_000);
    expect(scheduledAt(1_000, 100, 1)).toBe(1_010);
    expect(scheduledAt(0, 400, 400)).toBe(1_000);
    expect(requestCount(150, 20)).toBe(3_000);
    expect(requestCount(2.5, 3)).toBe(8);
  });

  it('counts due requests inclusively and never more than the step has', () => {
    expect(dueCount(1_000, 100, 999, 10)).toBe(0);
    expect(dueCount(1_000, 100, 1_000, 10)).toBe(1);
    expect(dueCount(1_000, 100, 1_009.99, 10)).toBe(1);
    expect(dueCount(1_000, 100, 1_010, 10)).toBe(2);
    expect(dueCount(1_000, 100, 60_000, 10)).toBe(10);
    // 1/3 ms steps: float rounding must not make a request late.
    expect(dueCount(0, 3_000, 1, 100)).toBe(4);
  });

  it('fires every request at its scheduled time and hands over the scheduled time, not the actual one', async () => {
    const clock = fakeClock();
    const fired: Array<[number, number]> = [];
    const result = await runOpenLoop({ rate: 50, seconds: 0.1, clock }, (i, at) => fired.push([i, at]));
    expect(result).toMatchObject({ t0: 1_000, sent: 5, maxDispatchLagMs: 0 });
    expect(fired).toEqual([
      [0, 1_000],
      [1, 1_020],
      [2, 1_040],
      [3, 1_060],
      [4, 1_080],
    ]);
  });

  it('does not wait for slow requests and catches up after a stall, keeping the schedule (no coordinated omission)', async () => {
    // The second sleep overruns by 55 ms (a GC pause): the requests due meanwhile go out at once,
    // still stamped with their own scheduled times, and the lag is reported.
    const clock = fakeClock(0, (call) => (call === 1 ? 55 : 0));
    const fired: Array<[number, number, number]> = [];
    const result = await runOpenLoop({ rate: 100, seconds: 0.1, clock }, (i, at) => fired.push([i, at, clock.now()]));
    expect(result.sent).toBe(10);
    expect(fired.map(([, at]) => at)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const late = fired.filter(([, at, actual]) => actual > at);
    expect(late.map(([i]) => i)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(result.maxDispatchLagMs).toBe(55);
  });

  it('stops early when asked', async () => {
    let n = 0;
    const result = await runOpenLoop({ rate: 1_000, seconds: 10, clock: fakeClock(), shouldStop: () => n >= 25 }, () => n++);
    expect(result.sent).toBe(25);
  });
});

describe('mix helpers', () => {
  it('seededRandom repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const share = xs.filter((x) => x < 0.3).length / xs.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
  });

  it('weightedRoundRobin spreads channels by weight, evenly over time', () => {
    const pick = weightedRoundRobin({ messenger: 2, whatsapp: 1, twitter: 1, sms: 0 });
    const first = Array.from({ length: 8 }, (_, i) => pick(i));
    expect(first.filter((c) => c === 'messenger')).toHaveLength(4);
    expect(first.filter((c) => c === 'whatsapp')).toHaveLength(2);
    expect(first).not.toContain('sms');
    // Never the same heavy channel three times in a row.
    expect(first.join(',')).not.toMatch(/messenger,messenger,messenger/);
  });
});
