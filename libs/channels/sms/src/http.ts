import type { HttpRequestSpec, ProviderRequest, ProviderResponse, SendOutcome } from '@omni/channel-sdk';
import { mapTwilioError } from './errors';

export const DEFAULT_TWILIO_API_BASE_URL = 'https://api.twilio.com';

/** HTTP Basic AccountSid:AuthToken, form body (docs/channels/sms.md). */
export function twilioHttpRequest(request: ProviderRequest, accountSid: string, authToken: string): HttpRequestSpec {
  const query = new URLSearchParams(Object.entries(request.query ?? {})).toString();
  const spec: HttpRequestSpec = {
    method: request.method,
    pathAndQuery: query ? `${request.path}?${query}` : request.path,
    headers: {
      authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
      accept: 'application/json',
    },
  };
  if (request.form) {
    spec.headers['content-type'] = 'application/x-www-form-urlencoded';
    spec.body = new URLSearchParams(request.form).toString();
  }
  return spec;
}

/** 201 `{sid, status, num_segments, …}` → the MessageSid and billed segments; else the mapped error. */
export function interpretTwilioResponse(response: ProviderResponse): SendOutcome {
  const body = (response.body !== null && typeof response.body === 'object' ? response.body : {}) as Record<string, unknown>;
  if (response.status >= 200 && response.status < 300) {
    const sid = typeof body['sid'] === 'string' ? body['sid'] : undefined;
    const segments = Number(body['num_segments']);
    return {
      ok: true,
      ...(sid ? { providerMessageId: sid } : {}),
      ...(Number.isInteger(segments) && segments > 0 ? { segments } : {}),
    };
  }
  const rawCode = body['code'];
  const code = typeof rawCode === 'number' ? rawCode : typeof rawCode === 'string' && /^\d+$/.test(rawCode) ? Number(rawCode) : undefined;
  const retryAfter = Number(response.headers['retry-after']);
  return {
    ok: false,
    error: mapTwilioError({ code, httpStatus: response.status, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined }),
  };
}
