import { ErrorCode } from '@omni/contracts';
import { mapTwitterError } from './errors';

const now = new Date('2026-07-24T21:30:00.000Z'); // epoch s 1784928600
const problem = (kind: string, status: number) => ({ title: kind, detail: kind, type: `https://api.x.com/2/problems/${kind}`, status });
const v1 = (...codes: number[]) => ({ errors: codes.map((code) => ({ code, message: `error ${code}` })) });

type Row = [label: string, status: number, body: unknown, headers: Record<string, string>, code: ErrorCode, retryable: boolean, retryAfterMs: number, providerCode: string];

const rows: Row[] = [
  ['v2 429 with reset', 429, problem('rate-limit-exceeded', 429), { 'x-rate-limit-reset': '1784928690', 'x-rate-limit-remaining': '0' }, ErrorCode.RATE_LIMITED, true, 90_000, '429/rate-limit-exceeded'],
  ['v2 429 reset already past', 429, problem('rate-limit-exceeded', 429), { 'x-rate-limit-reset': '1784928000' }, ErrorCode.RATE_LIMITED, true, 0, '429/rate-limit-exceeded'],
  ['v1.1 88 rate limit', 429, v1(88), {}, ErrorCode.RATE_LIMITED, true, 0, '88'],
  ['v2 usage cap (not retryable)', 429, problem('usage-capped', 429), { 'x-rate-limit-reset': '1784928690' }, ErrorCode.RATE_LIMITED, false, 0, '429/usage-capped'],
  ['v2 401', 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }, {}, ErrorCode.AUTH, false, 0, '401'],
  ['v1.1 32', 401, v1(32), {}, ErrorCode.AUTH, false, 0, '32'],
  ['v1.1 89', 401, v1(89), {}, ErrorCode.AUTH, false, 0, '89'],
  ['v1.1 135 clock', 401, v1(135), {}, ErrorCode.AUTH, false, 0, '135'],
  ['v1.1 215', 400, v1(215), {}, ErrorCode.AUTH, false, 0, '215'],
  ['v2 client-forbidden', 403, problem('client-forbidden', 403), {}, ErrorCode.AUTH, false, 0, '403/client-forbidden'],
  ['v1.1 93', 403, v1(93), {}, ErrorCode.AUTH, false, 0, '93'],
  ['v2 403 cannot DM', 403, { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'You are not permitted to send Direct Messages to this user.' }, {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, 0, '403'],
  ['v1.1 150', 403, v1(150), {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, 0, '150'],
  ['v1.1 151', 403, v1(151), {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, 0, '151'],
  ['v1.1 214', 400, v1(214), {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, 0, '214'],
  ['v1.1 349', 403, v1(349), {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, 0, '349'],
  ['v1.1 226 spam', 403, v1(226), {}, ErrorCode.UNKNOWN, false, 0, '226'],
  ['v1.1 326 locked', 403, v1(326), {}, ErrorCode.UNKNOWN, false, 0, '326'],
  ['v1.1 64 suspended', 403, v1(64), {}, ErrorCode.UNKNOWN, false, 0, '64'],
  ['v2 400 too long', 400, problem('invalid-request', 400), {}, ErrorCode.PAYLOAD_TOO_LARGE, false, 0, '400/invalid-request'],
  ['v1.1 354', 403, v1(354), {}, ErrorCode.PAYLOAD_TOO_LARGE, false, 0, '354'],
  ['v2 503', 503, { title: 'Service Unavailable', status: 503 }, {}, ErrorCode.PROVIDER_DOWN, true, 0, '503'],
  ['v2 500', 500, 'Internal Server Error', {}, ErrorCode.PROVIDER_DOWN, true, 0, '500'],
  ['v1.1 130', 503, v1(130), {}, ErrorCode.PROVIDER_DOWN, true, 0, '130'],
  ['v1.1 131', 500, v1(131), {}, ErrorCode.PROVIDER_DOWN, true, 0, '131'],
  ['unknown 404', 404, problem('resource-not-found', 404), {}, ErrorCode.UNKNOWN, false, 0, '404/resource-not-found'],
];

describe('mapTwitterError', () => {
  it.each(rows)('%s', (_label, status, body, headers, code, retryable, retryAfterMs, providerCode) => {
    expect(mapTwitterError({ status, body, headers }, now)).toEqual({
      code,
      retryable,
      retryAfterMs: BigInt(retryAfterMs),
      providerCode,
      message: expect.any(String),
    });
  });

  it('never puts response text (which may quote the message) into the canonical message', () => {
    const error = mapTwitterError({ status: 400, headers: {}, body: { detail: 'text "my secret order 1234" too long' } }, now);
    expect(error.message).not.toContain('secret');
  });
});
