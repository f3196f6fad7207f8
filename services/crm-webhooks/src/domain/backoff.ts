export interface BackoffPolicy {
  /** Delay before the second attempt. */
  baseMs: number;
  /** Ceiling of one delay. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * min(base × 2^(n-1), max). The jitter spreads the retries of many deliveries that failed together
 * (an endpoint outage) so they do not hammer the endpoint in lockstep when it comes back; the
 * deterministic half keeps the delay growing. `random` is injectable for tests.
 */
export function backoffDelayMs(failedAttempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const ceiling = Math.min(policy.baseMs * 2 ** exponent, policy.maxDelayMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
