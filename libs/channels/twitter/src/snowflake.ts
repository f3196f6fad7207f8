/**
 * X ids (DM event ids included) are Snowflakes: the top 41 bits are milliseconds since the
 * Twitter epoch (2010-11-04T01:42:54.657Z). Read receipts name the last event read, not a time;
 * this turns that id into the time watermark the canonical status carries. Returns undefined for
 * anything that is not a plausible Snowflake.
 */
const TWITTER_EPOCH_MS = 1288834974657n;

export function snowflakeTimeMs(id: string): number | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const value = BigInt(id);
  if (value < 1n << 22n) return undefined;
  return Number((value >> 22n) + TWITTER_EPOCH_MS);
}
