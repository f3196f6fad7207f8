import { MalformedPayloadError } from './errors';

/**
 * Deepest JSON nesting a webhook may have. Provider payloads nest about ten levels; deeper bodies
 * are refused at the gateway (400) because JSON.stringify and other recursive readers overflow the
 * stack on them later (400 KB of `[[[…]]]` did, in the normalizer).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests deeper than `limit` (arrays and objects), in one pass without recursion
 * and without parsing: brackets inside strings do not count.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** Parse a webhook body as a JSON object, or throw MalformedPayloadError (→ 400). */
export function parseJsonObject(body: Buffer | string): Record<string, unknown> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new MalformedPayloadError(`body nests deeper than ${MAX_JSON_DEPTH} levels`, 'body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MalformedPayloadError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedPayloadError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Parse an application/x-www-form-urlencoded body into ordered pairs (repeated names kept). */
export function parseForm(body: Buffer | string): Array<[string, string]> {
  const params = new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'));
  return Array.from(params.entries());
}
