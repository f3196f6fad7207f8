import { ErrorCode } from '@omni/contracts';
import { interpretMessengerResponse } from './http';

const graph = (status: number, code: number, subcode?: number, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: {
    error: {
      message: '(#10) This message is sent outside of allowed window.',
      type: 'OAuthException',
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      fbtrace_id: 'Az8or2yhqkZ',
    },
  },
});

describe('interpretMessengerResponse: docs/channels/messenger.md mapped to canonical errors', () => {
  it('a sent message gives its mid', () => {
    expect(interpretMessengerResponse({ status: 200, headers: {}, body: { recipient_id: '6543210987654321', message_id: 'm_Out456' } })).toEqual({
      ok: true,
      providerMessageId: 'm_Out456',
    });
  });

  it('a sender action is accepted without a message id', () => {
    expect(interpretMessengerResponse({ status: 200, headers: {}, body: { recipient_id: '6543210987654321' } })).toEqual({ ok: true });
  });

  it.each([
    [graph(400, 10, 2018278), ErrorCode.WINDOW_CLOSED, false, '10/2018278'],
    [graph(400, 10, 2534022), ErrorCode.WINDOW_CLOSED, false, '10/2534022'],
    [graph(400, 10, 2018108), ErrorCode.RECIPIENT_UNAVAILABLE, false, '10/2018108'],
    [graph(400, 551), ErrorCode.RECIPIENT_UNAVAILABLE, false, '551'],
    [graph(400, 551, 1545041), ErrorCode.RECIPIENT_UNAVAILABLE, false, '551/1545041'],
    [graph(400, 200, 1545041), ErrorCode.RECIPIENT_UNAVAILABLE, false, '200/1545041'],
    [graph(400, 100, 2018001), ErrorCode.INVALID_RECIPIENT, false, '100/2018001'],
    [graph(400, 100, 2018109), ErrorCode.PAYLOAD_TOO_LARGE, false, '100/2018109'],
    [graph(400, 100, 2018008), ErrorCode.UNKNOWN, false, '100/2018008'],
    [graph(400, 100, 2018294), ErrorCode.UNKNOWN, false, '100/2018294'],
    [graph(400, 100), ErrorCode.UNKNOWN, false, '100'],
    [graph(401, 190, 460), ErrorCode.AUTH, false, '190/460'],
    [graph(403, 200), ErrorCode.AUTH, false, '200'],
    [graph(400, 10, 1893063), ErrorCode.AUTH, false, '10/1893063'],
    [graph(400, 613, 2018338), ErrorCode.UNKNOWN, false, '613/2018338'],
    [graph(400, 10, 2018300), ErrorCode.UNKNOWN, false, '10/2018300'],
    [graph(400, 4), ErrorCode.RATE_LIMITED, true, '4'],
    [graph(429, 613, 2534040), ErrorCode.RATE_LIMITED, true, '613/2534040'],
    [graph(500, 2), ErrorCode.PROVIDER_DOWN, true, '2'],
    [graph(500, 1200), ErrorCode.PROVIDER_DOWN, true, '1200'],
    [{ status: 502, headers: {}, body: '<html>Bad Gateway</html>' }, ErrorCode.PROVIDER_DOWN, true, 'http_502'],
    [{ status: 429, headers: {}, body: '' }, ErrorCode.RATE_LIMITED, true, 'http_429'],
    [graph(500, 9999), ErrorCode.PROVIDER_DOWN, true, '9999'],
    [graph(400, 9999), ErrorCode.UNKNOWN, false, '9999'],
    [{ status: 200, headers: {}, body: graph(400, 10, 2018278).body }, ErrorCode.WINDOW_CLOSED, false, '10/2018278'],
  ])('%j → %s', (response, code, retryable, providerCode) => {
    const outcome = interpretMessengerResponse(response);
    expect(outcome).toMatchObject({ ok: false, error: { code, retryable, providerCode } });
  });

  it("never copies Meta's message text (it may quote user data)", () => {
    const outcome = interpretMessengerResponse(graph(400, 10, 2018278));
    expect(outcome.ok === false && outcome.error.message).toBe('outside the 24 h messaging window: use a message tag');
  });

  it('passes a Retry-After hint on', () => {
    const outcome = interpretMessengerResponse(graph(429, 4, undefined, { 'Retry-After': '30' }));
    expect(outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true, retryAfterMs: 30000n } });
  });
});
