import { hmacBase64 } from '@omni/channel-sdk';

/** User-context OAuth 1.0a credentials: the app's consumer key pair and the business user's token pair. */
export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

export interface OAuth1Request {
  method: string;
  /** Absolute URL; any query string in it is signed too. */
  url: string;
  /** Extra query parameters (decoded values). */
  query?: ReadonlyArray<readonly [string, string]>;
  /** application/x-www-form-urlencoded body fields (decoded values). JSON bodies are never signed. */
  form?: ReadonlyArray<readonly [string, string]>;
}

/**
 * RFC 3986 percent-encoding as RFC 5849 §3.6 requires: everything but ALPHA / DIGIT / "-" / "." /
 * "_" / "~" is encoded, with upper-case hex. encodeURIComponent leaves !'()* alone, so those are
 * added here.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** RFC 5849 §3.4.1.2 base string URI: lower-case scheme and host, default port dropped, no query. */
export function baseStringUri(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** RFC 5849 §3.4.1: METHOD & enc(base URI) & enc(sorted, encoded parameters). */
export function signatureBaseString(method: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const normalized = params
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return [method.toUpperCase(), percentEncode(baseStringUri(url)), percentEncode(normalized)].join('&');
}

/** HMAC-SHA1 keyed with enc(consumer secret) & enc(token secret), base64 (RFC 5849 §3.4.2). */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return hmacBase64('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`, baseString);
}

/**
 * The `Authorization: OAuth …` header for one request. Nonce and timestamp come from the caller so
 * the result is deterministic under test (adapter contract: no clock reads, no randomness).
 */
export function oauth1AuthorizationHeader(
  request: OAuth1Request,
  credentials: OAuth1Credentials,
  context: { nonce: string; timestampSeconds: number },
): string {
  const oauth: Array<[string, string]> = [
    ['oauth_consumer_key', credentials.consumerKey],
    ['oauth_nonce', context.nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(context.timestampSeconds)],
    ['oauth_token', credentials.token],
    ['oauth_version', '1.0'],
  ];
  const fromUrl = Array.from(new URL(request.url).searchParams.entries());
  const params = [...oauth, ...fromUrl, ...(request.query ?? []), ...(request.form ?? [])];
  const signature = hmacSha1Signature(signatureBaseString(request.method, request.url, params), credentials.consumerSecret, credentials.tokenSecret);
  const fields = [...oauth, ['oauth_signature', signature] as [string, string]].sort(([a], [b]) => (a < b ? -1 : 1));
  return `OAuth ${fields.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')}`;
}
