import { loadFixture, signBody, TEST_APP_SECRET, webhookRequest } from '../fixtures';
import { verifyWhatsAppSignature } from './verify';

describe('verifyWhatsAppSignature (same scheme as Messenger, docs/channels/protocols.md)', () => {
  it('accepts the published vector (WhatsApp-Nodejs-SDK: TEST_APP_SECRET / "test")', () => {
    const request = webhookRequest('test', { 'x-hub-signature-256': 'sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221' });
    expect(verifyWhatsAppSignature(request, 'TEST_APP_SECRET')).toEqual({ ok: true });
  });

  it('verifies the escaped bytes Meta signed, and refuses them re-serialised', () => {
    const escaped = Buffer.from(String.raw`{"text":"\u00e4"}`);
    const header = { 'x-hub-signature-256': 'sha256=a527059554ef659cd3137b1643140ddccb5db8417d19f0862614657cd727198b' };
    expect(verifyWhatsAppSignature(webhookRequest(escaped, header), 'app_secret')).toEqual({ ok: true });
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(escaped.toString())));
    expect(verifyWhatsAppSignature(webhookRequest(reserialised, header), 'app_secret')).toMatchObject({ ok: false, status: 401 });
  });

  it('verifies a recorded fixture with non-ASCII escapes', () => {
    const body = loadFixture('text-escaped-unicode');
    expect(body.toString()).toContain('\\u00bf');
    expect(verifyWhatsAppSignature(webhookRequest(body, { 'x-hub-signature-256': signBody(body) }), TEST_APP_SECRET)).toEqual({ ok: true });
  });

  const body = loadFixture('text');
  const good = signBody(body);
  it.each([
    ['a tampered body', webhookRequest(Buffer.concat([body, Buffer.from('\n')]), { 'x-hub-signature-256': good }), 'signature mismatch'],
    ['a wrong secret', webhookRequest(body, { 'x-hub-signature-256': signBody(body, 'wrong') }), 'signature mismatch'],
    ['a missing header', webhookRequest(body), 'signature header missing'],
    ['only the legacy sha1 header', webhookRequest(body, { 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' }), 'signature header missing'],
    ['the sha1= prefix', webhookRequest(body, { 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }), 'signature header does not start with "sha256="'],
  ])('refuses %s with 401', (_name, request, reason) => {
    expect(verifyWhatsAppSignature(request, TEST_APP_SECRET)).toEqual({ ok: false, status: 401, reason });
  });
});
