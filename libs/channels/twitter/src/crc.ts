import { hmacBase64 } from '@omni/channel-sdk';
import type { WebhookReply, WebhookRequest } from '@omni/channel-sdk';

/**
 * X's Challenge-Response Check: `GET <webhook>?crc_token=<t>` must answer 200 with
 * `{"response_token":"sha256=<base64 HMAC-SHA256(consumer secret, t)>"}`. The key is the app's
 * consumer (API key) secret, not a bearer token (docs/channels/protocols.md).
 */
export function crcResponseToken(consumerSecret: string, crcToken: string): string {
  return `sha256=${hmacBase64('sha256', consumerSecret, crcToken)}`;
}

/** Answer a CRC request; 400 when the token is absent, so X marks the webhook invalid loudly. */
export function answerCrc(consumerSecret: string, request: WebhookRequest): WebhookReply {
  const raw = request.query['crc_token'];
  const token = Array.isArray(raw) ? raw[0] : raw;
  if (!token) {
    return {
      status: 400,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'crc_token missing', status: 400 }),
    };
  }
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ response_token: crcResponseToken(consumerSecret, token) }),
  };
}
