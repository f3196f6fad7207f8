import { dmSendBudget, msUntilReset, parseRateLimitHeaders, waitForRoom } from './rate-limit';

const MIN = 60_000;
const now = 1_784_928_600_000;

describe('DM send budget', () => {
  it('allows a send when every window has room', () => {
    expect(dmSendBudget({ userSends: [], appSends: [], now })).toEqual({ allowed: true });
    const fourteen = Array.from({ length: 14 }, (_, i) => now - i * MIN);
    expect(dmSendBudget({ userSends: fourteen, appSends: fourteen, now })).toEqual({ allowed: true });
  });

  it('defers the 16th send in 15 minutes until the oldest one ages out', () => {
    const sends = Array.from({ length: 15 }, (_, i) => now - 10 * MIN + i * 1000); // oldest 10 min ago
    expect(dmSendBudget({ userSends: sends, appSends: sends, now })).toEqual({ allowed: false, waitMs: 5 * MIN, window: 'user 15/15min' });
  });

  it('ignores sends older than the window and counts exactly the limit', () => {
    const old = Array.from({ length: 30 }, () => now - 16 * MIN);
    expect(dmSendBudget({ userSends: old, appSends: old, now })).toEqual({ allowed: true });
  });

  it('waits for as many sends to expire as the window is over its limit', () => {
    // 17 sends in the window (e.g. counted from another gateway replica): 3 must age out.
    const sends = Array.from({ length: 17 }, (_, i) => now - 14 * MIN + i * MIN / 2);
    expect(waitForRoom(sends, { name: 'w', limit: 15, windowMs: 15 * MIN }, now)).toBe(sends[2]! + 15 * MIN - now);
  });

  it('applies the per-app 1,440 / 24 h limit across users', () => {
    const appSends = Array.from({ length: 1_440 }, (_, i) => now - 23 * 60 * MIN + i * 1000);
    expect(dmSendBudget({ userSends: [], appSends, now })).toEqual({ allowed: false, waitMs: 60 * MIN, window: 'app 1440/24h' });
  });

  it('reports the longest wait when several windows are full', () => {
    const userSends = Array.from({ length: 1_440 }, (_, i) => now - 20 * 60 * MIN + i * 100); // the last 15 are hours old
    const recent = Array.from({ length: 15 }, (_, i) => now - MIN + i);
    const result = dmSendBudget({ userSends: [...userSends, ...recent], appSends: [], now });
    expect(result).toEqual({ allowed: false, waitMs: 4 * 60 * MIN + 15 * 100, window: 'user 1440/24h' });
  });
});

describe('x-rate-limit-* headers', () => {
  it('parses limit, remaining and reset (epoch seconds → ms)', () => {
    expect(parseRateLimitHeaders({ 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '1784928690' })).toEqual({
      limit: 15,
      remaining: 0,
      resetAtMs: 1_784_928_690_000,
    });
  });

  it('ignores absent or garbled values', () => {
    expect(parseRateLimitHeaders({ 'x-rate-limit-reset': 'soon' })).toEqual({ limit: undefined, remaining: undefined, resetAtMs: undefined });
  });

  it('says how long until the reset, never negative', () => {
    expect(msUntilReset({ resetAtMs: now + 90_000 }, now)).toBe(90_000);
    expect(msUntilReset({ resetAtMs: now - 1 }, now)).toBe(0);
    expect(msUntilReset({}, now)).toBe(0);
  });
});
