import { ErrorCode } from '@omni/contracts';
import { mapTwilioError } from './errors';
import { interpretTwilioResponse } from './http';

type Row = [code: number | undefined, httpStatus: number | undefined, expected: ErrorCode, retryable: boolean];

const rows: Row[] = [
  [21610, 400, ErrorCode.OPTED_OUT, false],
  [21211, 400, ErrorCode.INVALID_RECIPIENT, false],
  [21612, 400, ErrorCode.INVALID_RECIPIENT, false],
  [21614, 400, ErrorCode.INVALID_RECIPIENT, false],
  [21608, 400, ErrorCode.INVALID_RECIPIENT, false],
  [30006, undefined, ErrorCode.INVALID_RECIPIENT, false],
  [30005, undefined, ErrorCode.INVALID_RECIPIENT, false],
  [30003, undefined, ErrorCode.RECIPIENT_UNAVAILABLE, true],
  [30007, undefined, ErrorCode.UNKNOWN, false],
  [30008, undefined, ErrorCode.UNKNOWN, true],
  [20003, 401, ErrorCode.AUTH, false],
  [20429, 429, ErrorCode.RATE_LIMITED, true],
  [21617, 400, ErrorCode.PAYLOAD_TOO_LARGE, false],
  [21606, 400, ErrorCode.UNKNOWN, false],
  [undefined, 429, ErrorCode.RATE_LIMITED, true],
  [undefined, 401, ErrorCode.AUTH, false],
  [undefined, 500, ErrorCode.PROVIDER_DOWN, true],
  [undefined, 503, ErrorCode.PROVIDER_DOWN, true],
  [20500, 500, ErrorCode.PROVIDER_DOWN, true],
  [21999, 400, ErrorCode.UNKNOWN, false],
];

describe('mapTwilioError', () => {
  it.each(rows)('code %s / HTTP %s → %s', (code, httpStatus, expected, retryable) => {
    expect(mapTwilioError({ code, httpStatus })).toEqual({
      code: expected,
      retryable,
      retryAfterMs: 0n,
      providerCode: code !== undefined ? String(code) : `HTTP ${httpStatus}`,
      message: expect.any(String),
    });
  });

  it('says carrier filtering needs a content review', () => {
    expect(mapTwilioError({ code: 30007 }).message).toMatch(/carrier filtered/);
  });
});

describe('interpretTwilioResponse', () => {
  it('reads sid and num_segments from a 201', () => {
    const body = { sid: 'SM9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a', status: 'queued', num_segments: '2', error_code: null };
    expect(interpretTwilioResponse({ status: 201, headers: {}, body })).toEqual({ ok: true, providerMessageId: 'SM9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a', segments: 2 });
  });

  it('maps a REST error body', () => {
    const body = { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 };
    expect(interpretTwilioResponse({ status: 400, headers: {}, body })).toMatchObject({ ok: false, error: { code: ErrorCode.OPTED_OUT, providerCode: '21610' } });
  });

  it('uses Retry-After on 429 when present', () => {
    const body = { code: 20429, message: 'Too Many Requests', status: 429 };
    expect(interpretTwilioResponse({ status: 429, headers: { 'retry-after': '3' }, body })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.RATE_LIMITED, retryable: true, retryAfterMs: 3000n },
    });
  });

  it('copes with a non-JSON error page', () => {
    expect(interpretTwilioResponse({ status: 502, headers: {}, body: '<html>Bad gateway</html>' })).toMatchObject({ ok: false, error: { code: ErrorCode.PROVIDER_DOWN, providerCode: 'HTTP 502' } });
  });
});
