import type { HttpRequestSpec, ProviderRequest, ProviderResponse, SendOutcome } from '@omni/channel-sdk';
import { mapWhatsAppError } from './errors';

/**
 * The exact HTTP request for a Cloud API call: `Authorization: Bearer <token>` (docs/channels/whatsapp.md),
 * JSON body. Never log the result: it holds the token.
 */
export function whatsappToHttp(request: ProviderRequest, accessToken: string): HttpRequestSpec {
  const query = new URLSearchParams(request.query ?? {}).toString();
  const spec: HttpRequestSpec = {
    method: request.method,
    pathAndQuery: query ? `${request.path}?${query}` : request.path,
    headers: { authorization: `Bearer ${accessToken}` },
  };
  if (request.json !== undefined) {
    spec.headers['content-type'] = 'application/json';
    spec.body = JSON.stringify(request.json);
  }
  return spec;
}

/**
 * Read the Cloud API's answer: `{messaging_product, contacts, messages:[{id}]}` when a message is
 * accepted (accepted, not delivered: statuses follow by webhook), `{success:true}` for mark-read,
 * `{"error":{code,…}}` on failure, or whatever a proxy in between returned.
 */
export function interpretWhatsAppResponse(response: ProviderResponse): SendOutcome {
  const body = isObject(response.body) ? response.body : undefined;
  const error = body && isObject(body.error) ? body.error : undefined;
  if (response.status >= 200 && response.status < 300 && !error) {
    const first = Array.isArray(body?.messages) ? body.messages[0] : undefined;
    const id = isObject(first) && typeof first.id === 'string' ? first.id : undefined;
    return id ? { ok: true, providerMessageId: id } : { ok: true };
  }
  const code = typeof error?.code === 'number' && Number.isInteger(error.code) ? error.code : undefined;
  return { ok: false, error: mapWhatsAppError({ httpStatus: response.status, code, retryAfterMs: retryAfterMs(response.headers) }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `Retry-After` in seconds, when a proxy or Meta sends one (HTTP-date form is ignored). */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}
