import { verifyWebhookSignature, webhookSignature } from './verify';

// Published vectors: xdevplatform/autohook test/signature.js (secret "test"), re-computed in docs/channels/protocols.md.
const vectors: Array<[string, string]> = [
  ['test=1&other_test=2', 'sha256=25Cu3iwbbiqBTwQRzcKJZwisjf736V2Q8UaTlkfLSoc='],
  ['{"test_number":1,"test_string":"two"}', 'sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI='],
];

describe('x-twitter-webhooks-signature', () => {
  it.each(vectors)('signs %s as the autohook vector', (body, signature) => {
    expect(webhookSignature('test', body)).toBe(signature);
    expect(verifyWebhookSignature('test', signature, Buffer.from(body))).toEqual({ ok: true });
  });

  it('rejects a tampered body with 403', () => {
    const [body, signature] = vectors[1]!;
    const tampered = Buffer.from(body.replace('two', 'TWO'));
    expect(verifyWebhookSignature('test', signature, tampered)).toEqual({ ok: false, status: 403, reason: 'signature does not match the body' });
  });

  it('rejects a signature made with another secret with 403', () => {
    const [body] = vectors[0]!;
    expect(verifyWebhookSignature('test', webhookSignature('other', body), Buffer.from(body))).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects a missing header with 401', () => {
    expect(verifyWebhookSignature('test', undefined, Buffer.from('{}'))).toMatchObject({ ok: false, status: 401 });
  });

  it('rejects a header without the sha256= prefix with 401', () => {
    const [body, signature] = vectors[0]!;
    expect(verifyWebhookSignature('test', signature.slice('sha256='.length), Buffer.from(body))).toMatchObject({ ok: false, status: 401 });
    expect(verifyWebhookSignature('test', signature.replace('sha256=', 'sha1='), Buffer.from(body))).toMatchObject({ ok: false, status: 401 });
  });

  it('checks the raw bytes, not re-serialised JSON (non-ASCII stays as sent)', () => {
    const raw = Buffer.from('{"text":"café ☕"}');
    const signature = webhookSignature('test', raw);
    expect(verifyWebhookSignature('test', signature, raw)).toEqual({ ok: true });
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())).replace('é', '\\u00e9'));
    expect(verifyWebhookSignature('test', signature, reserialised)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses everything with an empty consumer secret, even a signature made with the empty key', () => {
    const body = Buffer.from('{"for_user_id":"1"}');
    expect(verifyWebhookSignature('', webhookSignature('', body), body)).toMatchObject({ ok: false, status: 401 });
  });
});
