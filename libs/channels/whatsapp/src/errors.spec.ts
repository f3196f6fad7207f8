import { ErrorCode } from '@omni/contracts';
import { mapWhatsAppError } from './errors';
import { interpretWhatsAppResponse } from './http';

const cloud = (status: number, code: number, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: { error: { message: '(#131047) Re-engagement message', type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: 'to +5215512345678' }, fbtrace_id: 'A1' } },
});

describe('interpretWhatsAppResponse', () => {
  it('an accepted message gives its wamid', () => {
    const body = { messaging_product: 'whatsapp', contacts: [{ input: '5215512345678', wa_id: '5215512345678' }], messages: [{ id: 'wamid.ABC' }] };
    expect(interpretWhatsAppResponse({ status: 200, headers: {}, body })).toEqual({ ok: true, providerMessageId: 'wamid.ABC' });
  });

  it('mark-as-read answers {success:true}', () => {
    expect(interpretWhatsAppResponse({ status: 200, headers: {}, body: { success: true } })).toEqual({ ok: true });
  });

  it.each([
    [131047, 400, ErrorCode.WINDOW_CLOSED, false],
    [131026, 400, ErrorCode.RECIPIENT_UNAVAILABLE, false],
    [131049, 400, ErrorCode.OPTED_OUT, false],
    [131050, 400, ErrorCode.OPTED_OUT, false],
    [0, 401, ErrorCode.AUTH, false],
    [190, 401, ErrorCode.AUTH, false],
    [3, 400, ErrorCode.AUTH, false],
    [10, 403, ErrorCode.AUTH, false],
    [200, 403, ErrorCode.AUTH, false],
    [299, 403, ErrorCode.AUTH, false],
    [368, 400, ErrorCode.AUTH, false],
    [131031, 400, ErrorCode.AUTH, false],
    [4, 429, ErrorCode.RATE_LIMITED, true],
    [80007, 400, ErrorCode.RATE_LIMITED, true],
    [130429, 400, ErrorCode.RATE_LIMITED, true],
    [131048, 400, ErrorCode.RATE_LIMITED, true],
    [131056, 400, ErrorCode.RATE_LIMITED, true],
    [131000, 500, ErrorCode.PROVIDER_DOWN, true],
    [131016, 503, ErrorCode.PROVIDER_DOWN, true],
    [131057, 400, ErrorCode.PROVIDER_DOWN, true],
    [131021, 400, ErrorCode.INVALID_RECIPIENT, false],
    [131030, 400, ErrorCode.INVALID_RECIPIENT, false],
    [131051, 400, ErrorCode.UNKNOWN, false],
    [131052, 400, ErrorCode.UNKNOWN, true],
    [131053, 400, ErrorCode.UNKNOWN, true],
    [100, 400, ErrorCode.UNKNOWN, false],
    [131008, 400, ErrorCode.UNKNOWN, false],
    [131009, 400, ErrorCode.UNKNOWN, false],
    [132000, 400, ErrorCode.UNKNOWN, false],
    [132016, 400, ErrorCode.UNKNOWN, false],
    [999999, 400, ErrorCode.UNKNOWN, false],
    [999999, 502, ErrorCode.PROVIDER_DOWN, true],
  ])('code %i (HTTP %i) → %s, retryable %s', (code, status, expected, retryable) => {
    expect(interpretWhatsAppResponse(cloud(status, code))).toMatchObject({ ok: false, error: { code: expected, retryable, providerCode: String(code) } });
  });

  it.each([
    [503, 'Service Unavailable', ErrorCode.PROVIDER_DOWN, true],
    [429, '', ErrorCode.RATE_LIMITED, true],
    [401, '', ErrorCode.AUTH, false],
    [418, 'teapot', ErrorCode.UNKNOWN, false],
  ])('a bare HTTP %i from a proxy → %s', (status, body, code, retryable) => {
    expect(interpretWhatsAppResponse({ status, headers: {}, body })).toMatchObject({ ok: false, error: { code, retryable, providerCode: `http_${status}` } });
  });

  it('never copies error_data.details (it can hold phone numbers), passes Retry-After on', () => {
    const outcome = interpretWhatsAppResponse(cloud(429, 130429, { 'retry-after': '12' }));
    expect(JSON.stringify(outcome, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('5215512345678');
    expect(outcome).toMatchObject({ ok: false, error: { retryAfterMs: 12000n } });
  });

  it('maps failed-status errors with the same table (no HTTP status)', () => {
    expect(mapWhatsAppError({ httpStatus: 0, code: 131047 })).toMatchObject({ code: ErrorCode.WINDOW_CLOSED, retryable: false, providerCode: '131047' });
  });
});
