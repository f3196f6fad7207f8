import { createHash } from 'node:crypto';
import { parse as parseQuerystring, stringify as stringifyQuerystring } from 'node:querystring';
import { hmacBase64, safeEqual } from '@omni/channel-sdk';
import type { VerificationResult, WebhookRequest } from '@omni/channel-sdk';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
/**
 * Present when a Webhooks Rule makes Twilio sign with a SharedKey instead of the auth token:
 * `key=<SharedKey sid>,algorithm=HMAC_SHA256` (twilio.com/docs/usage/webhooks/webhook-shared-keys).
 * Only the key and the hash change; the signed string is the same.
 */
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export type TwilioAlgorithm = 'sha1' | 'sha256';

/**
 * `X-Twilio-Signature` = base64 HMAC-SHA1 (or -SHA256 with a SharedKey) of the URL followed by
 * every POST parameter sorted by name as name+value, no separators; a repeated name contributes
 * each distinct value once, values sorted (twilio.com/docs/usage/webhooks/webhooks-security; the
 * official `twilio` package is the test oracle, see verify.oracle.spec.ts).
 */
export function twilioSignature(secret: string, url: string, params: ReadonlyArray<readonly [string, string]>, algorithm: TwilioAlgorithm = 'sha1'): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const value of [...byName.get(name)!].sort()) data += name + value;
  return hmacBase64(algorithm, secret, data);
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  /** ':8443', or '' */
  port: string;
  rest: string;
}

/** Split a URL without normalising it, so path and query keep the exact characters Twilio signed. */
function splitUrl(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after an IPv6 literal's closing bracket.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function withoutPort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userInfo + p.host + p.rest : url;
}

function withPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  return p.scheme + p.userInfo + p.host + (p.scheme.toLowerCase() === 'https://' ? ':443' : ':80') + p.rest;
}

/** The query re-encoded as Node's legacy querystring does (`%27` ↔ `'`): some senders signed that form. */
function withLegacyQuery(url: string): string {
  const at = url.indexOf('?');
  if (at === -1 || at === url.length - 1) return url;
  return `${url.slice(0, at)}?${stringifyQuerystring(parseQuerystring(url.slice(at + 1)))}`;
}

/**
 * Every form of the URL Twilio may have signed, as the official library accepts them: as received
 * with and without the port (default or not), then WHATWG-normalised, and with the query
 * re-encoded the legacy way. At most six HMACs per request.
 */
export function urlVariants(url: string): string[] {
  const variants = [withoutPort(url), withPort(url), url];
  try {
    const normalized = new URL(url).toString();
    for (const base of [withoutPort(normalized), withPort(normalized)]) variants.push(base, withLegacyQuery(base));
  } catch {
    // Not a URL the WHATWG parser takes: the forms as received are all there is.
  }
  return [...new Set(variants)];
}

export interface TwilioSignedRequest {
  /** The auth token, or the SharedKey secret when Twilio signed with one. */
  authToken: string;
  /** The public URL Twilio called, query included. */
  url: string;
  signature: string;
  rawBody: Buffer;
  /** JSON bodies are signed by URL alone, with `bodySHA256` in the query covering the body. */
  json: boolean;
  algorithm?: TwilioAlgorithm;
}

export function isValidTwilioRequest(input: TwilioSignedRequest): boolean {
  if (!input.authToken) return false;
  if (input.json) {
    const claimed = bodySha256Param(input.url);
    const actual = createHash('sha256').update(input.rawBody).digest('hex');
    if (!claimed || !safeEqual(claimed.toLowerCase(), actual)) return false;
  }
  const params = input.json ? [] : Array.from(new URLSearchParams(input.rawBody.toString('utf8')).entries());
  return urlVariants(input.url).some((url) => safeEqual(twilioSignature(input.authToken, url, params, input.algorithm), input.signature));
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
 * any path prefix the proxy strips, trailing slashes ignored) + the request's path exactly as
 * received (a trailing slash included: Twilio signs the URL configured at Twilio) + its query
 * exactly as received. Behind a proxy the gateway's idea of its host and scheme is wrong, so they
 * are never used.
 */
export function publicUrlOf(publicBaseUrl: string, request: WebhookRequest): string {
  return publicBaseUrl.replace(/\/+$/, '') + pathAndQueryOf(request);
}

function pathAndQueryOf(request: WebhookRequest): string {
  const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(request.url)?.[1];
  if (afterAuthority !== undefined && afterAuthority.startsWith('/')) return afterAuthority.split('#')[0]!;
  const pairs = Object.entries(request.query).flatMap(([k, v]) =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]),
  );
  return request.path + (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '');
}

/** HMAC_SHA1 / HMAC_SHA256 from the settings header (absent or no algorithm: SHA-1), else undefined. */
export function signatureAlgorithmOf(settingsHeader: string | undefined): TwilioAlgorithm | undefined {
  let named = 'HMAC_SHA1';
  for (const part of (settingsHeader ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === 'algorithm' && part.slice(eq + 1).trim()) named = part.slice(eq + 1).trim();
  }
  const upper = named.toUpperCase();
  return upper === 'HMAC_SHA1' ? 'sha1' : upper === 'HMAC_SHA256' ? 'sha256' : undefined;
}

export interface TwilioVerifySecrets {
  authToken: string;
  /** The SharedKey secret (TWILIO_WEBHOOK_SHARED_KEY_SECRET), for webhooks a Webhooks Rule signs with one. */
  sharedKeySecret?: string;
}

/**
 * Gateway convention: 401 when the signature is missing or no secret is configured for the way
 * Twilio signed, 403 when it does not match (or names an algorithm we do not know).
 */
export function verifyTwilioWebhook(secrets: TwilioVerifySecrets | string, publicBaseUrl: string, request: WebhookRequest): VerificationResult {
  const { authToken, sharedKeySecret } = typeof secrets === 'string' ? { authToken: secrets, sharedKeySecret: undefined } : secrets;
  const signature = request.headers[TWILIO_SIGNATURE_HEADER];
  if (!signature) return { ok: false, status: 401, reason: `missing ${TWILIO_SIGNATURE_HEADER} header` };
  const settings = request.headers[TWILIO_SIGNATURE_SETTINGS_HEADER];
  // An empty key would let anyone sign: a missing secret authenticates nothing.
  const secret = settings ? sharedKeySecret : authToken;
  if (!secret) return { ok: false, status: 401, reason: settings ? 'signed with a SharedKey, but no SharedKey secret is configured' : 'no auth token configured' };
  const algorithm = signatureAlgorithmOf(settings);
  if (!algorithm) return { ok: false, status: 403, reason: `unsupported signature algorithm in ${TWILIO_SIGNATURE_SETTINGS_HEADER}` };
  const url = publicUrlOf(publicBaseUrl, request);
  const json = (request.headers['content-type'] ?? '').toLowerCase().includes('application/json') || /[?&]bodySHA256=/.test(url);
  return isValidTwilioRequest({ authToken: secret, url, signature, rawBody: request.rawBody, json, algorithm })
    ? { ok: true }
    : { ok: false, status: 403, reason: 'signature does not match the public URL and parameters' };
}
