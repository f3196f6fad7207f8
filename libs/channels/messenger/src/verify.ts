import { verifyHexHmacHeader, type VerificationResult, type WebhookRequest } from '@omni/channel-sdk';

/** Meta's signature header: `sha256=<lowercase hex HMAC-SHA256(App Secret, raw body)>`. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';
const PREFIX = 'sha256=';

/**
 * Verify a Messenger webhook over its raw bytes (docs/channels/protocols.md). Meta signs its own escaped
 * JSON (`\u00e4`), so the body must never be re-serialised before this check. The legacy
 * `X-Hub-Signature: sha1=…` header Meta also sends is ignored on purpose: SHA-1 is not accepted,
 * and a `sha1=` value in the SHA-256 header is refused as a wrong prefix.
 */
export function verifyMessengerSignature(request: WebhookRequest, appSecret: string): VerificationResult {
  return verifyHexHmacHeader(request.headers[SIGNATURE_HEADER], PREFIX, appSecret, request.rawBody, 'sha256');
}
