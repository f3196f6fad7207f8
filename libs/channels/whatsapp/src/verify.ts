import { verifyHexHmacHeader, type VerificationResult, type WebhookRequest } from '@omni/channel-sdk';

/** Same scheme as Messenger (docs/channels/protocols.md): `X-Hub-Signature-256: sha256=<hex>`, App Secret. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';
const PREFIX = 'sha256=';

/**
 * Verify a WhatsApp webhook over its raw bytes. Meta escapes non-ASCII (`\u00bf`) in what it
 * signs, so re-serialised JSON would fail. The legacy `X-Hub-Signature` (sha1) is ignored.
 */
export function verifyWhatsAppSignature(request: WebhookRequest, appSecret: string): VerificationResult {
  return verifyHexHmacHeader(request.headers[SIGNATURE_HEADER], PREFIX, appSecret, request.rawBody, 'sha256');
}
