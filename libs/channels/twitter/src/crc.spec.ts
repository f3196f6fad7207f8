import { fixture, webhookRequest } from '../fixtures';
import { randomBytes } from 'node:crypto';
import { CRC_TOKEN_MAX_LENGTH, answerCrc, crcResponseToken, isCrcTokenShape } from './crc';
import { webhookSignature } from './verify';

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

describe('CRC is not a signing oracle', () => {
  const secret = 'test';

  it('refuses a forged webhook body as crc_token, so its HMAC never becomes a valid signature', () => {
    const forged = fixture('aaa-text-with-link').toString();
    // The attack: the CRC answer for a body is exactly the webhook signature of that body.
    expect(crcResponseToken(secret, forged)).toBe(webhookSignature(secret, forged));
    const reply = answerCrc(secret, webhookRequest({ method: 'GET', query: { crc_token: forged }, rawBody: Buffer.alloc(0) }));
    expect(reply.status).toBe(400);
    expect(reply.body).not.toContain('sha256=');
  });

  it('accepts the shapes X sends: a UUID, base64 and base64url of 24-32 random bytes', () => {
    for (const token of ['9b4507b3-9040-4669-9ca3-6b94edb50553', randomBytes(32).toString('base64'), randomBytes(24).toString('base64url')]) {
      expect({ token, ok: isCrcTokenShape(token) }).toEqual({ token, ok: true });
      expect(answerCrc(secret, webhookRequest({ method: 'GET', query: { crc_token: token }, rawBody: Buffer.alloc(0) })).status).toBe(200);
    }
  });

  it('refuses anything JSON-like, spaces, control bytes, and tokens over the length cap', () => {
    for (const token of ['{}', '{"a":1}', 'a b', 'a\nb', 'a&b', 'é', 'x'.repeat(CRC_TOKEN_MAX_LENGTH + 1)]) {
      expect({ token, ok: isCrcTokenShape(token) }).toEqual({ token, ok: false });
    }
    expect(isCrcTokenShape('x'.repeat(CRC_TOKEN_MAX_LENGTH))).toBe(true);
  });

  it('does not answer with an empty consumer secret (anyone could compute the answer)', () => {
    expect(answerCrc('', webhookRequest({ method: 'GET', query: { crc_token: 'challenge' }, rawBody: Buffer.alloc(0) })).status).toBe(503);
  });
});
