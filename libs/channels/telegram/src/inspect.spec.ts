import { TEST_BOT_TOKEN, TEST_WEBHOOK_SECRET } from '../fixtures';
import { createTelegramAdapter } from './adapter';
import { parseTelegramUpdate } from './parse';

// Found by `npm run fuzz`: a signed update whose chat id was an object with its own toString made
// inspect throw a TypeError (String(id)), which the gateway answered with 500.
describe('Telegram ids that are not ids', () => {
  const adapter = createTelegramAdapter({ botToken: TEST_BOT_TOKEN, webhookSecret: TEST_WEBHOOK_SECRET });
  const request = (body: string) => ({ method: 'POST' as const, path: '/webhooks/telegram', url: 'https://x/webhooks/telegram', query: {}, headers: {}, rawBody: Buffer.from(body) });

  it.each([
    ['an object with toString', '{"toString":1}'],
    ['an array', '[1]'],
    ['a fraction', '1.5'],
  ])('inspect reads a chat id that is %s as no chat id', (_name, id) => {
    const body = `{"update_id":10,"message":{"message_id":1,"date":1717171717,"chat":{"id":${id},"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"text":"hi"}}`;
    expect(adapter.inspect(request(body))).toEqual({ accountId: expect.any(String), threadKey: '42' });
    expect(() => parseTelegramUpdate({ accountId: adapter.inspect(request(body)).accountId, body: Buffer.from(body), contentType: 'application/json', webhookPath: '/webhooks/telegram', receivedAt: new Date(), headers: {} })).not.toThrow();
  });
});
