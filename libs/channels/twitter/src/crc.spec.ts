import { fixture, webhookRequest } from '../fixtures';
import { answerCrc, crcResponseToken } from './crc';

describe('CRC', () => {
  // docs/channels/protocols.md vector; reference code xdevplatform/account-activity-dashboard helpers/security.js.
  it('computes the known answer for secret "test", token "challenge"', () => {
    expect(crcResponseToken('test', 'challenge')).toBe('sha256=qY4nvvHq1WgEw5lnDPH7oyBXbGGVKEfSQTXJq7jt3V0=');
  });

  it('answers 200 JSON with response_token', () => {
    const reply = answerCrc('test', webhookRequest({ method: 'GET', query: { crc_token: 'challenge' }, rawBody: Buffer.alloc(0) }));
    expect(reply).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"response_token":"sha256=qY4nvvHq1WgEw5lnDPH7oyBXbGGVKEfSQTXJq7jt3V0="}',
    });
  });

  it('answers 400 when crc_token is absent or empty', () => {
    for (const query of [{}, { crc_token: '' }]) {
      expect(answerCrc('test', webhookRequest({ method: 'GET', query, rawBody: fixture('aaa-typing') })).status).toBe(400);
    }
  });

  it('uses the first value of a repeated crc_token', () => {
    const reply = answerCrc('test', webhookRequest({ method: 'GET', query: { crc_token: ['challenge', 'other'] }, rawBody: Buffer.alloc(0) }));
    expect(JSON.parse(reply.body)).toEqual({ response_token: 'sha256=qY4nvvHq1WgEw5lnDPH7oyBXbGGVKEfSQTXJq7jt3V0=' });
  });
});
