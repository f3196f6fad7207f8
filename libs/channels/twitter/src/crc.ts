import { hmacBase64 } from '@omni/channel-sdk';
import type { WebhookReply, WebhookRequest } from '@omni/channel-sdk';

/**
 * The longest `crc_token` accepted. X sends short random tokens (a UUID or ~44 base64
 * characters); 128 leaves room for a longer random token without letting through anything the
 * size of a webhook body.
 */
export const CRC_TOKEN_MAX_LENGTH = 128;

/**
 * The characters X's tokens are made of: letters, digits and the base64 / base64url / UUID
 * punctuation. Why this matters: the CRC answer and the webhook signature are the same HMAC under
 * the same consumer secret, so a CRC that answered for any bytes would sign a forged webhook body
 * for whoever asked. Every webhook body is JSON (it starts with `{`), which this alphabet cannot
 * spell, so no CRC answer is ever a valid body signature.
 */
const CRC_TOKEN_SHAPE = /^[A-Za-z0-9+/=_-]+$/;

/** Whether a `crc_token` has the shape X sends (never the shape of a webhook body). */
export function isCrcTokenShape(token: string): boolean {
  return token.length > 0 && token.length <= CRC_TOKEN_MAX_LENGTH && CRC_TOKEN_SHAPE.test(token);
}

/**
 * X's Challenge-Response Check: `GET <webhook>?crc_token=<t>` must answer 200 with
 * `{"response_token":"sha256=<base64 HMAC-SHA256(consumer secret, t)>"}`. The key is the app's
 * consumer (API key) secret, not a bearer token (docs/channels/protocols.md).
 */
export function crcResponseToken(consumerSecret: string, crcToken: string): string {
  return `sha256=${hmacBase64('sha256', consumerSecret, crcToken)}`;
}

function refuse(title: string): WebhookReply {
  return { status: 400, contentType: 'application/problem+json', body: JSON.stringify({ title, status: 400 }) };
}

/**
 * Answer a CRC request; 400 when the token is absent (so X marks the webhook invalid loudly) or
 * not shaped like X's tokens (the HMAC would be a signing oracle, see CRC_TOKEN_SHAPE).
 */
export function answerCrc(consumerSecret: string, request: WebhookRequest): WebhookReply {
  const raw = request.query['crc_token'];
  const token = Array.isArray(raw) ? raw[0] : raw;
  if (!token) return refuse('crc_token missing');
  if (typeof token !== 'string' || !isCrcTokenShape(token)) {
    return refuse(`crc_token must be 1-${CRC_TOKEN_MAX_LENGTH} characters of A-Z a-z 0-9 + / = _ -`);
  }
  // An empty key would make the answer computable by anyone: refuse rather than answer.
  if (!consumerSecret) return { status: 503, contentType: 'application/problem+json', body: JSON.stringify({ title: 'no consumer secret configured', status: 503 }) };
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ response_token: crcResponseToken(consumerSecret, token) }),
  };
}
