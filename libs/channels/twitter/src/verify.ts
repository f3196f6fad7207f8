import { hmacBase64, safeEqual } from '@omni/channel-sdk';
import type { VerificationResult } from '@omni/channel-sdk';

export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature';
const PREFIX = 'sha256=';

/** The header value X sends for a body: `sha256=` + base64 HMAC-SHA256(consumer secret, raw body). */
export function webhookSignature(consumerSecret: string, rawBody: Buffer | string): string {
  return PREFIX + hmacBase64('sha256', consumerSecret, rawBody);
}

/**
 * Check `x-twitter-webhooks-signature` over the exact raw bytes (re-serialised JSON would not
 * match). Missing or malformed header → 401 (the request is not authenticated at all); a well-formed
 * signature that does not match → 403 (same split as the Twilio gateway).
 */
export function verifyWebhookSignature(
  consumerSecret: string,
  header: string | undefined,
  rawBody: Buffer,
): VerificationResult {
  // HMAC under an empty key is computable by anyone: an unconfigured secret authenticates nothing.
  if (!consumerSecret) return { ok: false, status: 401, reason: 'no consumer secret configured' };
  if (!header) return { ok: false, status: 401, reason: `missing ${SIGNATURE_HEADER} header` };
  if (!header.startsWith(PREFIX)) return { ok: false, status: 401, reason: `${SIGNATURE_HEADER} must start with ${PREFIX}` };
  if (!safeEqual(header, webhookSignature(consumerSecret, rawBody))) {
    return { ok: false, status: 403, reason: 'signature does not match the body' };
  }
  return { ok: true };
}
