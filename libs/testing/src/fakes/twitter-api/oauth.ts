import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OAuth 1.0a HMAC-SHA1 verification as X's API does it (RFC 5849), written independently of the
 * channel's signer so the fake catches signing bugs instead of sharing them.
 */
const rfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `OAuth a="1", b="2"` → { a: '1', b: '2' } (values percent-decoded); undefined if not OAuth. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice(6).matchAll(/([A-Za-z0-9_%.-]+)="([^"]*)"/g)) {
    fields[decodeURIComponent(match[1]!)] = decodeURIComponent(match[2]!);
  }
  return fields;
}

export interface OAuthCheck {
  method: string;
  /** Scheme, host, port and path the client signed (no query). */
  baseUri: string;
  /** Decoded query and form parameters, repeated names kept. */
  params: Array<[string, string]>;
  header: Record<string, string>;
  consumerSecret: string;
  tokenSecret: string;
}

export function expectedOAuthSignature(check: Omit<OAuthCheck, 'header'> & { oauthParams: Record<string, string> }): string {
  const all: Array<[string, string]> = [...check.params, ...Object.entries(check.oauthParams).filter(([k]) => k !== 'oauth_signature' && k !== 'realm')];
  const normalized = all
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join('&');
  const base = `${check.method.toUpperCase()}&${rfc3986(check.baseUri)}&${rfc3986(normalized)}`;
  return createHmac('sha1', `${rfc3986(check.consumerSecret)}&${rfc3986(check.tokenSecret)}`).update(base).digest('base64');
}

export function isValidOAuthSignature(check: OAuthCheck): boolean {
  const given = Buffer.from(check.header['oauth_signature'] ?? '');
  const expected = Buffer.from(expectedOAuthSignature({ ...check, oauthParams: check.header }));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
