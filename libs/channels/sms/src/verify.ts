import { createHash } from 'node:crypto';
import { hmacBase64, safeEqual } from '@omni/channel-sdk';
import type { VerificationResult, WebhookRequest } from '@omni/channel-sdk';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, URL + every POST parameter sorted by name as
 * name+value, no separators; a repeated name contributes each of its values, sorted)
 * (twilio.com/docs/usage/webhooks/webhooks-security; twilio/twilio-node src/webhooks/webhooks.ts).
 */
export function twilioSignature(authToken: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const value of byName.get(name)!.sort()) data += name + value;
  return hmacBase64('sha1', authToken, data);
}

/**
 * The URL as Twilio may have signed it: as given, and with the default port added or removed
 * (Twilio has signed both forms; twilio-node tries all three).
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const host = authority.replace(/:\d+$/, '');
  const port = /:(\d+)$/.exec(authority)?.[1];
  const variants = [url];
  if (port === undefined) variants.push(`${scheme}://${host}:${defaultPort}${rest}`);
  if (port === defaultPort) variants.push(`${scheme}://${host}${rest}`);
  return variants;
}

export interface TwilioSignedRequest {
  authToken: string;
  /** The public URL Twilio called, query included. */
  url: string;
  signature: string;
  rawBody: Buffer;
  /** JSON bodies are signed by URL alone, with `bodySHA256` in the query covering the body. */
  json: boolean;
}

export function isValidTwilioRequest(input: TwilioSignedRequest): boolean {
  if (input.json) {
    const claimed = bodySha256Param(input.url);
    const actual = createHash('sha256').update(input.rawBody).digest('hex');
    if (!claimed || !safeEqual(claimed.toLowerCase(), actual)) return false;
  }
  const params = input.json ? [] : Array.from(new URLSearchParams(input.rawBody.toString('utf8')).entries());
  return urlVariants(input.url).some((url) => safeEqual(twilioSignature(input.authToken, url, params), input.signature));
}

function bodySha256Param(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The URL Twilio signed: the configured public base URL (TWILIO_PUBLIC_BASE_URL, scheme + host +
 * any path prefix the proxy strips) + the request's own path + its query exactly as received.
 * Behind a proxy the gateway's idea of its host and scheme is wrong, so they are never used.
 */
export function publicUrlOf(publicBaseUrl: string, request: WebhookRequest): string {
  return publicBaseUrl.replace(/\/+$/, '') + request.path + rawQueryOf(request);
}

function rawQueryOf(request: WebhookRequest): string {
  const index = request.url.indexOf('?');
  if (index >= 0) return request.url.slice(index).split('#')[0]!;
  const pairs = Object.entries(request.query).flatMap(([k, v]) =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]),
  );
  return pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '';
}

/** Gateway convention: 401 when the signature is missing, 403 when it does not match. */
export function verifyTwilioWebhook(authToken: string, publicBaseUrl: string, request: WebhookRequest): VerificationResult {
  const signature = request.headers[TWILIO_SIGNATURE_HEADER];
  if (!signature) return { ok: false, status: 401, reason: `missing ${TWILIO_SIGNATURE_HEADER} header` };
  const url = publicUrlOf(publicBaseUrl, request);
  const json = (request.headers['content-type'] ?? '').toLowerCase().includes('application/json') || /[?&]bodySHA256=/.test(url);
  return isValidTwilioRequest({ authToken, url, signature, rawBody: request.rawBody, json })
    ? { ok: true }
    : { ok: false, status: 403, reason: 'signature does not match the public URL and parameters' };
}
