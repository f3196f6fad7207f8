import type { VerificationResult, WebhookReply, WebhookRequest } from './adapter';
import { hmacHex, safeEqual } from './crypto';

/**
 * Generic webhook-authentication building blocks shared by channels whose providers use the same
 * scheme (Meta signs Messenger and WhatsApp alike). Channels never import each other, so the common
 * part lives here, free of any provider's names: each channel passes its own header, prefix and
 * parameter names.
 */

/** The first value of a query parameter (frameworks give repeated keys as arrays). */
export function firstQueryValue(query: WebhookRequest['query'], key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verify a header of the form `<prefix><hex HMAC of the raw body>` (e.g. `sha256=…`) in constant
 * time. Missing header, wrong prefix (another algorithm) or a mismatch all fail with 401; the
 * reason never contains the secret or the expected digest.
 */
export function verifyHexHmacHeader(
  header: string | undefined,
  prefix: string,
  secret: string,
  rawBody: Buffer,
  algorithm: 'sha1' | 'sha256' = 'sha256',
): VerificationResult {
  if (!secret) return { ok: false, status: 401, reason: 'no signing secret configured' };
  if (header === undefined || header === '') return { ok: false, status: 401, reason: 'signature header missing' };
  if (!header.startsWith(prefix)) return { ok: false, status: 401, reason: `signature header does not start with "${prefix}"` };
  const given = header.slice(prefix.length).trim().toLowerCase();
  const expected = hmacHex(algorithm, secret, rawBody);
  return safeEqual(given, expected) ? { ok: true } : { ok: false, status: 401, reason: 'signature mismatch' };
}

export interface VerifyTokenChallengeOptions {
  /** The token configured at the provider; compared in constant time. */
  verifyToken: string;
  /** Query parameter names, e.g. 'hub.mode', 'hub.verify_token', 'hub.challenge'. */
  modeParam: string;
  tokenParam: string;
  challengeParam: string;
  /** The mode value that asks for verification, e.g. 'subscribe'. */
  expectedMode: string;
}

/**
 * Answer a "verify token + echo the challenge" subscription handshake: 200 with the bare challenge
 * as text/plain when mode and token match, else 403. Returns undefined when the request is not a
 * handshake at all (not a GET, or none of the three parameters present), so the gateway can answer
 * 404/405 as for any other unknown request.
 */
export function answerVerifyTokenChallenge(request: WebhookRequest, options: VerifyTokenChallengeOptions): WebhookReply | undefined {
  if (request.method !== 'GET') return undefined;
  const mode = firstQueryValue(request.query, options.modeParam);
  const token = firstQueryValue(request.query, options.tokenParam);
  const challenge = firstQueryValue(request.query, options.challengeParam);
  if (mode === undefined && token === undefined && challenge === undefined) return undefined;
  const accepted =
    options.verifyToken !== '' &&
    mode === options.expectedMode &&
    token !== undefined &&
    safeEqual(token, options.verifyToken) &&
    challenge !== undefined &&
    challenge !== '';
  if (!accepted) return { status: 403, contentType: 'text/plain; charset=utf-8', body: 'Forbidden' };
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: challenge };
}

/**
 * Verify a fixed shared secret sent back in a header (Telegram's `X-Telegram-Bot-Api-Secret-Token`),
 * in constant time: missing or empty → 401, anything but the exact secret → 403.
 */
export function verifySecretHeader(header: string | undefined, secret: string): VerificationResult {
  if (!secret) return { ok: false, status: 401, reason: 'no webhook secret configured' };
  if (header === undefined || header === '') return { ok: false, status: 401, reason: 'secret header missing' };
  return safeEqual(header, secret) ? { ok: true } : { ok: false, status: 403, reason: 'secret header mismatch' };
}
