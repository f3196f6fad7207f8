import { MalformedPayloadError } from './errors';

/** Parse a webhook body as a JSON object, or throw MalformedPayloadError (→ 400). */
export function parseJsonObject(body: Buffer | string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
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
