/**
 * Open-model load: request i is due at t0 + i/rate whatever happened to earlier requests, and its
 * latency is measured from that scheduled time, not from when it actually left. A generator that
 * falls behind (slow event loop, all connections busy) therefore shows up in the latencies instead
 * of silently lowering the offered load: no coordinated omission.
 */

/** When request `i` of a run started at `t0` (ms) is due at `rate` requests per second. */
export function scheduledAt(t0: number, rate: number, i: number): number {
  return t0 + (i * 1_000) / rate;
}

/** How many requests a step of `seconds` at `rate` sends. */
export function requestCount(rate: number, seconds: number): number {
  return Math.max(0, Math.round(rate * seconds));
}

/** How many of `total` requests are due at `now` (request i is due once now ≥ scheduledAt(i)). */
export function dueCount(t0: number, rate: number, now: number, total: number): number {
  if (now < t0) return 0;
  // Tiny epsilon: float maths must not make request i late by a rounding error.
  return Math.min(total, Math.floor(((now - t0) * rate) / 1_000 + 1e-9) + 1);
}

export interface OpenLoopClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: OpenLoopClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface OpenLoopResult {
  t0: number;
  sent: number;
  /** How late the generator itself dispatched requests (actual − scheduled), worst case, ms. */
  maxDispatchLagMs: number;
}

/**
 * Calls `fire(i, scheduledAt)` for i = 0 … rate·seconds − 1, each as soon as it is due, never
 * waiting for earlier calls: `fire` must start its request and return (it records its own
 * latency from `scheduledAt`). Resolves after the last one was dispatched.
 */
export async function runOpenLoop(
  { rate, seconds, clock = realClock, shouldStop }: { rate: number; seconds: number; clock?: OpenLoopClock; shouldStop?: () => boolean },
  fire: (i: number, scheduled: number) => void,
): Promise<OpenLoopResult> {
  const total = requestCount(rate, seconds);
  const t0 = clock.now();
  let next = 0;
  let maxDispatchLagMs = 0;
  while (next < total) {
    if (shouldStop?.()) break;
    const now = clock.now();
    const due = dueCount(t0, rate, now, total);
    for (; next < due; next++) {
      const at = scheduledAt(t0, rate, next);
      maxDispatchLagMs = Math.max(maxDispatchLagMs, now - at);
      fire(next, at);
    }
    if (next < total) await clock.sleep(scheduledAt(t0, rate, next) - clock.now());
  }
  return { t0, sent: next, maxDispatchLagMs };
}

/** A small deterministic PRNG (mulberry32), so a run's mix of new/reply and reply targets repeats. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Smooth weighted round-robin: request i's channel, spreading each channel evenly over time. */
export function weightedRoundRobin<T extends string>(weights: Record<T, number>): (i: number) => T {
  const names = (Object.keys(weights) as T[]).filter((k) => weights[k] > 0);
  const total = names.reduce((sum, k) => sum + weights[k], 0);
  const sequence: T[] = [];
  const current = new Map<T, number>(names.map((k) => [k, 0]));
  for (let i = 0; i < total; i++) {
    let best = names[0]!;
    for (const k of names) {
      current.set(k, current.get(k)! + weights[k]);
      if (current.get(k)! > current.get(best)!) best = k;
    }
    current.set(best, current.get(best)! - total);
    sequence.push(best);
  }
  return (i) => sequence[i % sequence.length]!;
}
