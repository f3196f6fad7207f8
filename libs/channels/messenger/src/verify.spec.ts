import { loadFixture, signBody, webhookRequest } from '../fixtures';
import { verifyMessengerSignature } from './verify';

describe('verifyMessengerSignature (X-Hub-Signature-256 over the raw bytes)', () => {
  it('accepts the published vector (WhatsApp-Nodejs-SDK: TEST_APP_SECRET / "test")', () => {
    const request = webhookRequest('test', { 'x-hub-signature-256': 'sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221' });
    expect(verifyMessengerSignature(request, 'TEST_APP_SECRET')).toEqual({ ok: true });
  });

  describe('escaping vector (secret app_secret): Meta signs its \\u-escaped bytes', () => {
    const escaped = Buffer.from(String.raw`{"text":"\u00e4"}`);
    const header = { 'x-hub-signature-256': 'sha256=a527059554ef659cd3137b1643140ddccb5db8417d19f0862614657cd727198b' };

    it('verifies the raw escaped body', () => {
      expect(verifyMessengerSignature(webhookRequest(escaped, header), 'app_secret')).toEqual({ ok: true });
    });

    it('fails on the same JSON re-serialised with the literal character', () => {
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(escaped.toString())));
      expect(reserialised.toString()).toBe('{"text":"ä"}');
      expect(verifyMessengerSignature(webhookRequest(reserialised, header), 'app_secret')).toMatchObject({ ok: false, status: 401 });
    });
  });

  describe('refusals', () => {
    const body = loadFixture('text');
    const good = signBody(body);

    it('accepts a recorded fixture signed with the app secret', () => {
      expect(verifyMessengerSignature(webhookRequest(body, { 'x-hub-signature-256': good }), 'messenger-test-app-secret')).toEqual({ ok: true });
    });

    it.each([
      ['a tampered body', webhookRequest(Buffer.from(body.toString().replace('blue', 'red ')), { 'x-hub-signature-256': good }), 'signature mismatch'],
      ['a wrong secret', webhookRequest(body, { 'x-hub-signature-256': signBody(body, 'another-secret') }), 'signature mismatch'],
      ['a missing header', webhookRequest(body), 'signature header missing'],
      ['only the legacy sha1 header', webhookRequest(body, { 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' }), 'signature header missing'],
      ['the sha1= prefix in the sha256 header', webhookRequest(body, { 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }), 'signature header does not start with "sha256="'],
      ['a truncated digest', webhookRequest(body, { 'x-hub-signature-256': good.slice(0, -2) }), 'signature mismatch'],
    ])('refuses %s with 401', (_name, request, reason) => {
      expect(verifyMessengerSignature(request, 'messenger-test-app-secret')).toEqual({ ok: false, status: 401, reason });
    });

    it('accepts an upper-case hex digest (hex is case-insensitive)', () => {
      const upper = `sha256=${good.slice(7).toUpperCase()}`;
      expect(verifyMessengerSignature(webhookRequest(body, { 'x-hub-signature-256': upper }), 'messenger-test-app-secret')).toEqual({ ok: true });
    });

    it('fails closed without a configured secret', () => {
      expect(verifyMessengerSignature(webhookRequest(body, { 'x-hub-signature-256': signBody(body, '') }), '')).toMatchObject({ ok: false, status: 401 });
    });
  });
});
