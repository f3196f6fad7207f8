import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Sending webhooks the way Meta does (docs/channels/protocols.md): JSON with non-ASCII escaped as
 * `\uXXXX`, signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(App Secret, raw body)>` (plus
 * the legacy `X-Hub-Signature: sha1=…` Meta still sends), POSTed to the gateway.
 */

/**
 * Serialise like Meta: every non-ASCII UTF-16 unit as `\uXXXX` (so the bytes differ from
 * `JSON.stringify`, which is exactly what catches a verifier that re-serialises). Slashes are
 * escaped as `\/` too (PHP-style; UNVERIFIED for current webhooks, harmless for any JSON reader).
 */
export function metaJson(value: unknown, options: { escapeSlashes?: boolean } = {}): string {
  const json = JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return options.escapeSlashes === false ? json : json.replace(/\//g, '\\/');
}

/** The `X-Hub-Signature-256` value for a raw body. */
export function metaSignature(appSecret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** The legacy `X-Hub-Signature` value Meta also sends (receivers must ignore it). */
export function legacyMetaSignature(appSecret: string, rawBody: string | Buffer): string {
  return `sha1=${createHmac('sha1', appSecret).update(rawBody).digest('hex')}`;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface PostWebhookOptions {
  appSecret: string;
  /** 'valid' (default), 'wrong-secret', 'tampered' (body changed after signing) or 'missing'. */
  signature?: 'valid' | 'wrong-secret' | 'tampered' | 'missing';
  headers?: Record<string, string>;
}

/**
 * POST a webhook to `url` exactly as Meta would: `body` objects are serialised with `metaJson`;
 * strings and Buffers are sent byte-for-byte. Resolves with the gateway's answer.
 */
export async function postSignedWebhook(url: string, body: unknown, options: PostWebhookOptions): Promise<HttpResult> {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : metaJson(body), 'utf8');
  const mode = options.signature ?? 'valid';
  const secret = mode === 'wrong-secret' ? `${options.appSecret}-wrong` : options.appSecret;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'facebookexternalua',
    ...(mode === 'missing' ? {} : { 'x-hub-signature-256': metaSignature(secret, raw), 'x-hub-signature': legacyMetaSignature(secret, raw) }),
    ...(options.headers ?? {}),
  };
  const sent = mode === 'tampered' ? Buffer.concat([raw, Buffer.from(' ')]) : raw;
  return send(url, 'POST', headers, sent);
}

/** Meta's GET subscription check against a webhook URL (`hub.mode`, `hub.verify_token`, `hub.challenge`). */
export async function verifyWebhookSubscription(url: string, init: { verifyToken: string; challenge?: string; mode?: string }): Promise<HttpResult> {
  const target = new URL(url);
  target.searchParams.set('hub.mode', init.mode ?? 'subscribe');
  target.searchParams.set('hub.verify_token', init.verifyToken);
  target.searchParams.set('hub.challenge', init.challenge ?? '1158201444');
  return send(target.toString(), 'GET', { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' });
}

function send(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<HttpResult> {
  const target = new URL(url);
  const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(target, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
