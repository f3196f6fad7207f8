import type { HttpRequestSpec, ProviderRequest, ProviderResponse, SendOutcome } from '@omni/channel-sdk';
import { mapMessengerError, type GraphErrorFacts } from './errors';

/**
 * The exact HTTP request for a Send API call: the Page access token goes in the `access_token`
 * query parameter (docs/channels/messenger.md), the body is JSON. Never log the result: it holds the token.
 */
export function messengerToHttp(request: ProviderRequest, pageAccessToken: string): HttpRequestSpec {
  const query = new URLSearchParams({ ...(request.query ?? {}), access_token: pageAccessToken });
  const spec: HttpRequestSpec = {
    method: request.method,
    pathAndQuery: `${request.path}?${query.toString()}`,
    headers: {},
  };
  if (request.json !== undefined) {
    spec.headers['content-type'] = 'application/json';
    spec.body = JSON.stringify(request.json);
  }
  return spec;
}

/**
 * Read the Send API's answer: `{recipient_id, message_id}` on success (sender actions answer
 * without a message id), `{"error":{code,error_subcode,…}}` on failure, or whatever a proxy
 * in between returned.
 */
export function interpretMessengerResponse(response: ProviderResponse): SendOutcome {
  const body = isObject(response.body) ? response.body : undefined;
  const error = body && isObject(body.error) ? body.error : undefined;
  if (response.status >= 200 && response.status < 300 && !error) {
    return typeof body?.message_id === 'string' ? { ok: true, providerMessageId: body.message_id } : { ok: true };
  }
  const facts: GraphErrorFacts = {
    httpStatus: response.status,
    code: integer(error?.code),
    subcode: integer(error?.error_subcode),
    retryAfterMs: retryAfterMs(response.headers),
  };
  return { ok: false, error: mapMessengerError(facts) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** `Retry-After` in seconds, when a proxy or Meta sends one (HTTP-date form is ignored). */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const value = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}
