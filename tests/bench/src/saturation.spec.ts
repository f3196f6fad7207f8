import { ladderOutcome, saturationVerdict, slope, targetStepAfter, type BacklogSample } from './lib/saturation';

const flat = (level: number, seconds: number): BacklogSample[] => Array.from({ length: seconds * 4 + 1 }, (_, i) => ({ t: i / 4, backlog: level + (i % 2) }));
const growing = (perSec: number, seconds: number): BacklogSample[] => Array.from({ length: seconds * 4 + 1 }, (_, i) => ({ t: i / 4, backlog: 10 + perSec * (i / 4) }));

describe('saturation detection', () => {
  it('fits the backlog slope by least squares', () => {
    expect(slope(growing(7, 10))).toBeCloseTo(7, 6);
    expect(slope(flat(20, 10))).toBeCloseTo(0, 1);
    expect(slope([{ t: 0, backlog: 1 }])).toBe(0);
  });

  it('keeps up: everything done in time, flat backlog of rate × latency', () => {
    const v = saturationVerdict({ offeredPerSec: 100, durationSec: 20, sent: 2_000, completedInTime: 1_990, backlog: flat(25, 20) });
    expect(v).toMatchObject({ saturated: false, reasons: [] });
    expect(v.throughputPerSec).toBeCloseTo(99.5);
    expect(v.keptUpRatio).toBeCloseTo(0.995);
  });

  it('saturates when fewer than 90 % complete by the end of the step + grace', () => {
    const v = saturationVerdict({ offeredPerSec: 300, durationSec: 20, sent: 6_000, completedInTime: 5_300, backlog: flat(40, 20) });
    expect(v.saturated).toBe(true);
    expect(v.reasons.join()).toMatch(/88\.3 % completed in time/);
  });

  it('saturates when the backlog keeps growing even if most finished in time (a short step at the edge)', () => {
    const v = saturationVerdict({ offeredPerSec: 200, durationSec: 20, sent: 4_000, completedInTime: 3_900, backlog: growing(15, 20) });
    expect(v.saturated).toBe(true);
    expect(v.reasons.join()).toMatch(/backlog growing by 15\.0\/s/);
  });

  it('ignores a slight drift below max(2/s, 5 % of the offered rate)', () => {
    expect(saturationVerdict({ offeredPerSec: 100, durationSec: 20, sent: 2_000, completedInTime: 2_000, backlog: growing(4, 20) }).saturated).toBe(false);
    expect(saturationVerdict({ offeredPerSec: 10, durationSec: 20, sent: 200, completedInTime: 200, backlog: growing(1.5, 20) }).saturated).toBe(false);
  });

  it('fits the slope only after the ramp, and not at all when the step is too short for it', () => {
    // Backlog ramps for 6 s (latency) then stays flat: a 20 s step judges 10–20 s; flat → fine.
    const ramp = (seconds: number, rampSec: number): BacklogSample[] => Array.from({ length: seconds * 4 + 1 }, (_, i) => ({ t: i / 4, backlog: Math.min(i / 4, rampSec) * 10 }));
    expect(saturationVerdict({ offeredPerSec: 10, durationSec: 20, sent: 200, completedInTime: 200, backlog: ramp(20, 6), rampSec: 6 }).saturated).toBe(false);
    // An 8 s step whose latency is 7 s: what is left after the ramp is too short, so the slope is not judged.
    const short = saturationVerdict({ offeredPerSec: 10, durationSec: 8, sent: 80, completedInTime: 80, backlog: ramp(8, 7), rampSec: 7 });
    expect(short.saturated).toBe(false);
    expect(short.backlogSlope).toBeNaN();
    // Without the ramp hint the same short step would look saturated.
    expect(saturationVerdict({ offeredPerSec: 10, durationSec: 8, sent: 80, completedInTime: 80, backlog: ramp(8, 7) }).saturated).toBe(true);
  });

  it('sums a ladder up: highest kept-up rate and the throughput where it saturated', () => {
    const ok = saturationVerdict({ offeredPerSec: 1, durationSec: 1, sent: 1, completedInTime: 1, backlog: [] });
    const bad = { ...ok, saturated: true, throughputPerSec: 212.5 };
    expect(ladderOutcome([{ rate: 50, verdict: ok }, { rate: 100, verdict: ok }, { rate: 200, verdict: bad }])).toEqual({ sustainedRate: 100, saturatedAt: 200, saturationThroughput: 212.5 });
    expect(ladderOutcome([{ rate: 50, verdict: ok }])).toEqual({ sustainedRate: 50 });
    expect(ladderOutcome([{ rate: 50, verdict: bad }])).toMatchObject({ sustainedRate: 0, saturatedAt: 50 });
  });

  it('after a saturated step, still runs the target rate when the ladder has not reached it, and nothing else', () => {
    const ladder = [{ rate: 25 }, { rate: 50 }, { rate: 100 }, { rate: 150 }];
    expect(targetStepAfter(ladder, 1, 100)).toBe(2); // 50/s saturated: 100/s (the target) still runs
    expect(targetStepAfter(ladder, 2, 100)).toBeUndefined(); // the target itself saturated: stop
    expect(targetStepAfter(ladder, 3, 100)).toBeUndefined(); // past the target already
    expect(targetStepAfter(ladder, 0, 120)).toBeUndefined(); // no step at the target rate
  });
});
