import type { WebhookRequest } from '@omni/channel-sdk';
import { answerMessengerHandshake } from './handshake';

const TOKEN = 'messenger-test-verify-token';

function get(query: Record<string, string | string[]>): WebhookRequest {
  return { method: 'GET', path: '/webhooks/messenger', url: 'https://gateway.example.test/webhooks/messenger', query, headers: {}, rawBody: Buffer.alloc(0) };
}

describe('answerMessengerHandshake (hub.challenge)', () => {
  it('answers 200 with the bare challenge when mode and token match', () => {
    expect(answerMessengerHandshake(get({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1158201444' }), TOKEN)).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: '1158201444',
    });
  });

  it('reads the first value of a repeated parameter', () => {
    expect(answerMessengerHandshake(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': [TOKEN], 'hub.challenge': ['42', '43'] }), TOKEN)?.body).toBe('42');
  });

  it.each([
    ['a wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' }],
    ['a wrong mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1' }],
    ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN }],
  ])('answers 403 to %s, without echoing anything', (_name, query) => {
    expect(answerMessengerHandshake(get(query), TOKEN)).toEqual({ status: 403, contentType: 'text/plain; charset=utf-8', body: 'Forbidden' });
  });

  it('is not a handshake without hub.* parameters, nor on POST', () => {
    expect(answerMessengerHandshake(get({}), TOKEN)).toBeUndefined();
    expect(answerMessengerHandshake({ ...get({ 'hub.mode': 'subscribe' }), method: 'POST' }, TOKEN)).toBeUndefined();
  });
});
