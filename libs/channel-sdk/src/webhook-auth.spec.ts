import type { WebhookRequest } from './adapter';
import { hmacHex } from './crypto';
import { answerVerifyTokenChallenge, firstQueryValue, verifyHexHmacHeader } from './webhook-auth';

describe('verifyHexHmacHeader', () => {
  const body = Buffer.from('{"a":1}');
  const header = `sha256=${hmacHex('sha256', 'secret', body)}`;

  it('accepts the right digest with the right prefix', () => {
    expect(verifyHexHmacHeader(header, 'sha256=', 'secret', body)).toEqual({ ok: true });
  });
  it('supports sha1 where a provider still uses it', () => {
    expect(verifyHexHmacHeader(`sha1=${hmacHex('sha1', 'secret', body)}`, 'sha1=', 'secret', body, 'sha1')).toEqual({ ok: true });
  });
  it.each([
    ['missing', undefined, 'signature header missing'],
    ['empty', '', 'signature header missing'],
    ['wrong prefix', header.replace('sha256=', 'sha1='), 'signature header does not start with "sha256="'],
    ['wrong digest', `sha256=${'0'.repeat(64)}`, 'signature mismatch'],
    ['digest of another secret', `sha256=${hmacHex('sha256', 'other', body)}`, 'signature mismatch'],
  ])('refuses a %s header with 401', (_n, value, reason) => {
    expect(verifyHexHmacHeader(value, 'sha256=', 'secret', body)).toEqual({ ok: false, status: 401, reason });
  });
  it('fails closed with an empty secret', () => {
    expect(verifyHexHmacHeader(`sha256=${hmacHex('sha256', '', body)}`, 'sha256=', '', body)).toMatchObject({ ok: false });
  });
});

describe('answerVerifyTokenChallenge', () => {
  const options = { verifyToken: 'tok', modeParam: 'hub.mode', tokenParam: 'hub.verify_token', challengeParam: 'hub.challenge', expectedMode: 'subscribe' };
  const get = (query: WebhookRequest['query']): WebhookRequest => ({ method: 'GET', path: '/w', url: 'https://x/w', query, headers: {}, rawBody: Buffer.alloc(0) });

  it('echoes the challenge', () => {
    expect(answerVerifyTokenChallenge(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': 'c1' }), options)).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'c1',
    });
  });
  it('refuses a wrong token, and an empty configured token', () => {
    expect(answerVerifyTokenChallenge(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': 'c1' }), options)?.status).toBe(403);
    expect(answerVerifyTokenChallenge(get({ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': 'c1' }), { ...options, verifyToken: '' })?.status).toBe(403);
  });
  it('is not a handshake without its parameters', () => {
    expect(answerVerifyTokenChallenge(get({ other: '1' }), options)).toBeUndefined();
  });
  it('reads the first of repeated values', () => {
    expect(firstQueryValue({ a: ['1', '2'] }, 'a')).toBe('1');
    expect(firstQueryValue({}, 'a')).toBeUndefined();
  });
});
