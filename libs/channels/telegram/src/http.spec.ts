import { ErrorCode } from '@omni/contracts';
import { BOT_ID, TEST_BOT_TOKEN, TEST_WEBHOOK_SECRET } from '../fixtures';
import { createTelegramAdapter } from './adapter';
import { interpretTelegramResponse, telegramHttpRequest } from './http';

describe('telegram HTTP', () => {
  it('posts JSON to /bot<token>/<method>', () => {
    expect(telegramHttpRequest({ method: 'POST', path: '/sendMessage', json: { chat_id: '1', text: 'hi' }, purpose: 'text' }, TEST_BOT_TOKEN)).toEqual({
      method: 'POST',
      pathAndQuery: `/bot${TEST_BOT_TOKEN}/sendMessage`,
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id":"1","text":"hi"}',
    });
  });

  it.each([
    ['flood control with retry_after', 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } }, {}, ErrorCode.RATE_LIMITED, true, 7000n],
    ['flood control, Retry-After header only', 429, 'Too Many Requests', { 'retry-after': '3' }, ErrorCode.RATE_LIMITED, true, 3000n],
    ['bot blocked', 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, {}, ErrorCode.RECIPIENT_UNAVAILABLE, false, undefined],
    ['token revoked', 401, { ok: false, error_code: 401, description: 'Unauthorized' }, {}, ErrorCode.AUTH, false, undefined],
    ['unknown token', 404, { ok: false, error_code: 404, description: 'Not Found' }, {}, ErrorCode.AUTH, false, undefined],
    ['chat not found', 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }, {}, ErrorCode.INVALID_RECIPIENT, false, undefined],
    ['caption too long', 400, { ok: false, error_code: 400, description: 'Bad Request: message caption is too long' }, {}, ErrorCode.PAYLOAD_TOO_LARGE, false, undefined],
    ['other bad request', 400, { ok: false, error_code: 400, description: "Bad Request: can't parse entities" }, {}, ErrorCode.UNKNOWN, false, undefined],
    ['gateway timeout page', 504, '<html>504</html>', {}, ErrorCode.PROVIDER_DOWN, true, undefined],
  ] as const)('%s', (_name, status, body, headers, code, retryable, retryAfterMs) => {
    const outcome = interpretTelegramResponse(BOT_ID, { status, headers: { ...headers }, body });
    expect(outcome).toMatchObject({ ok: false, error: { code, retryable } });
    if (!outcome.ok) expect(outcome.error.retryAfterMs).toBe(retryAfterMs);
  });

  it('answers a pressed button in the webhook reply, other updates with a plain 200', () => {
    const adapter = createTelegramAdapter({ botToken: TEST_BOT_TOKEN, webhookSecret: TEST_WEBHOOK_SECRET });
    const request = (body: string) => ({ method: 'POST' as const, path: '/webhooks/telegram', url: 'https://x/webhooks/telegram', query: {}, headers: {}, rawBody: Buffer.from(body) });
    expect(adapter.acknowledge!(request('{"update_id":1,"callback_query":{"id":"cb-9","from":{"id":1},"data":"A"}}'))).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"method":"answerCallbackQuery","callback_query_id":"cb-9"}',
    });
    expect(adapter.acknowledge!(request('{"update_id":2,"message":{"message_id":1}}'))).toMatchObject({ status: 200, contentType: 'text/plain' });
  });

  it('registers the webhook with its secret when it knows its public URL, else leaves the bot alone', () => {
    const adapter = createTelegramAdapter({ botToken: TEST_BOT_TOKEN, webhookSecret: TEST_WEBHOOK_SECRET });
    expect(adapter.register!({ publicBaseUrl: 'https://omni.example.com/' })).toEqual([
      {
        method: 'POST',
        path: '/setWebhook',
        json: { url: 'https://omni.example.com/webhooks/telegram', secret_token: TEST_WEBHOOK_SECRET, allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'] },
        purpose: 'setWebhook',
      },
    ]);
    expect(adapter.register!({})).toEqual([]);
  });

  it.each([['no bot id', 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', TEST_WEBHOOK_SECRET], ['secret with a space', TEST_BOT_TOKEN, 'not allowed here']])('refuses bad config: %s', (_n, botToken, webhookSecret) => {
    expect(() => createTelegramAdapter({ botToken, webhookSecret })).toThrow();
  });
});
