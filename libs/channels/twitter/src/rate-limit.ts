/**
 * X's DM send limits (docs/channels/twitter.md, xdevplatform/docs x-api/fundamentals/rate-limits.mdx):
 * 15 per 15 minutes per user, 1,440 per 24 hours per user and per app. The gateway asks before each
 * send and defers (never fails) when a window is full. Windows are treated as sliding, which is
 * never looser than X's fixed windows.
 */
export interface SendWindow {
  name: string;
  limit: number;
  windowMs: number;
}

const MINUTE = 60_000;
export const USER_WINDOWS: readonly SendWindow[] = [
  { name: 'user 15/15min', limit: 15, windowMs: 15 * MINUTE },
  { name: 'user 1440/24h', limit: 1440, windowMs: 24 * 60 * MINUTE },
];
export const APP_WINDOWS: readonly SendWindow[] = [{ name: 'app 1440/24h', limit: 1440, windowMs: 24 * 60 * MINUTE }];

export type SendBudget = { allowed: true } | { allowed: false; waitMs: number; window: string };

/**
 * May one more DM go now? `userSends` are the epoch-ms times of recent sends by this business
 * user, `appSends` of all sends by the app; `now` is epoch ms. When not allowed, `waitMs` is the
 * time until every window has room again (given no other sends meanwhile).
 */
export function dmSendBudget(input: { userSends: readonly number[]; appSends: readonly number[]; now: number }): SendBudget {
  let worst: { waitMs: number; window: string } | undefined;
  const check = (sends: readonly number[], windows: readonly SendWindow[]) => {
    for (const window of windows) {
      const waitMs = waitForRoom(sends, window, input.now);
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { waitMs, window: window.name };
    }
  };
  check(input.userSends, USER_WINDOWS);
  check(input.appSends, APP_WINDOWS);
  return worst ? { allowed: false, ...worst } : { allowed: true };
}

/** Milliseconds until `window` holds fewer than `limit` sends (0 = room now). */
export function waitForRoom(sends: readonly number[], window: SendWindow, now: number): number {
  const inWindow = sends.filter((t) => t > now - window.windowMs && t <= now).sort((a, b) => a - b);
  if (inWindow.length < window.limit) return 0;
  // The oldest (count - limit + 1) sends must age out; room opens when the last of them does.
  const mustExpire = inWindow[inWindow.length - window.limit]!;
  return mustExpire + window.windowMs - now;
}

export interface RateLimitHeaders {
  limit?: number;
  remaining?: number;
  /** Epoch milliseconds when the window resets (the header is epoch seconds). */
  resetAtMs?: number;
}

/** Read `x-rate-limit-limit / -remaining / -reset` (header names lower-case). */
export function parseRateLimitHeaders(headers: Record<string, string | undefined>): RateLimitHeaders {
  const number = (name: string) => {
    const value = headers[name];
    return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  };
  const reset = number('x-rate-limit-reset');
  return {
    limit: number('x-rate-limit-limit'),
    remaining: number('x-rate-limit-remaining'),
    resetAtMs: reset !== undefined ? reset * 1000 : undefined,
  };
}

/** Milliseconds until X's window resets, 0 when unknown or already past. */
export function msUntilReset(headers: RateLimitHeaders, now: number): number {
  return headers.resetAtMs !== undefined ? Math.max(0, headers.resetAtMs - now) : 0;
}
