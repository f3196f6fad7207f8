import type { WebhookRequest } from '@omni/channel-sdk';
import { answerWhatsAppHandshake } from './handshake';

const TOKEN = 'whatsapp-test-verify-token';
const get = (query: Record<string, string>): WebhookRequest => ({
  method: 'GET',
  path: '/webhooks/whatsapp',
  url: 'https://gateway.example.test/webhooks/whatsapp',
  query,
  headers: {},
  rawBody: Buffer.alloc(0),
});

describe('answerWhatsAppHandshake', () => {
  it('echoes the bare challenge with 200', () => {
    expect(answerWhatsAppHandshake(get({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '98765' }), TOKEN)).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: '98765',
    });
  });
  it('refuses a wrong token or mode with 403', () => {
    expect(answerWhatsAppHandshake(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'x', 'hub.challenge': '1' }), TOKEN)?.status).toBe(403);
    expect(answerWhatsAppHandshake(get({ 'hub.mode': 'other', 'hub.verify_token': TOKEN, 'hub.challenge': '1' }), TOKEN)?.status).toBe(403);
  });
  it('is not a handshake without hub.* parameters', () => {
    expect(answerWhatsAppHandshake(get({}), TOKEN)).toBeUndefined();
  });
});
