import type { HttpRequestSpec, ProviderRequest, ProviderResponse, SendOutcome } from '@omni/channel-sdk';
import { oauth1AuthorizationHeader, percentEncode, type OAuth1Credentials } from './auth';
import { mapTwitterError } from './errors';
import { asObject, asString } from './fields';

export const DEFAULT_TWITTER_API_BASE_URL = 'https://api.x.com';

/**
 * Encode a ProviderRequest and sign it with OAuth 1.0a user context. The signature covers the
 * absolute URL, so the API base URL the gateway will call (TWITTER_API_BASE_URL; a fake server in
 * tests) must be known here. Query and form values are signed; JSON bodies are not (RFC 5849).
 */
export function twitterHttpRequest(
  request: ProviderRequest,
  credentials: OAuth1Credentials,
  apiBaseUrl: string,
  context: { now: Date; nonce: string },
): HttpRequestSpec {
  const query = Object.entries(request.query ?? {});
  const queryString = encodePairs(query);
  const pathAndQuery = queryString ? `${request.path}?${queryString}` : request.path;
  const authorization = oauth1AuthorizationHeader(
    { method: request.method, url: joinUrl(apiBaseUrl, request.path), query, form: request.form },
    credentials,
    { nonce: context.nonce, timestampSeconds: Math.floor(context.now.getTime() / 1000) },
  );
  const headers: Record<string, string> = { authorization };
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = encodePairs(request.form);
  } else if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  }
  return body === undefined ? { method: request.method, pathAndQuery, headers } : { method: request.method, pathAndQuery, headers, body };
}

/** Read X's answer: v2 `{data:{dm_event_id}}`, v1.1 `{event:{id}}`, welcome messages, or 204. */
export function interpretTwitterResponse(response: ProviderResponse, now: Date): SendOutcome {
  if (response.status >= 200 && response.status < 300) {
    const body = asObject(response.body);
    const id =
      asString(asObject(body?.['data'])?.['dm_event_id']) ??
      asString(asObject(body?.['event'])?.['id']) ??
      asString(asObject(body?.['welcome_message'])?.['id']) ??
      asString(asObject(body?.['welcome_message_rule'])?.['id']);
    return id ? { ok: true, providerMessageId: id } : { ok: true };
  }
  return { ok: false, error: mapTwitterError(response, now) };
}

/** Percent-encode pairs exactly as they are signed, so the bytes sent match the signature. */
function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
