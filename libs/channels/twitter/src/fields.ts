import { epochMs } from '@omni/channel-sdk';
/**
 * Tolerant readers for provider JSON. X payloads are loosely typed (ids arrive as strings or
 * numbers, optional blocks come and go), so the parser reads fields through these instead of
 * trusting a static type.
 */
export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string field; numbers are accepted because some X ids are numeric in older payloads. */
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Epoch-milliseconds string (X `created_timestamp`) to a number, or undefined. */
export function asEpochMs(value: unknown): number | undefined {
  const text = asString(value);
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  // 16 digits still reach past year 9999, which no Timestamp or Date holds.
  return epochMs(Number(text));
}
