import { createHash } from 'node:crypto';
import { fixture, webhookRequest } from '../fixtures';
import { isValidTwilioRequest, twilioSignature, urlVariants, verifyTwilioWebhook } from './verify';

// Vectors: twilio/twilio-python tests/unit/test_request_validator.py (also twilio-csharp
// RequestValidatorTest.cs), re-computed in docs/channels/protocols.md. Token 12345.
const token = '12345';
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params: Array<[string, string]> = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675309'],
  ['Digits', '1234'],
  ['From', '+14158675309'],
  ['To', '+18005551212'],
];
const form = (pairs: Array<[string, string]>) => Buffer.from(new URLSearchParams(pairs).toString());
const jsonBody = '{"property": "value", "boolean": true}';
const jsonHash = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';

describe('X-Twilio-Signature', () => {
  it('computes the published vector over URL + sorted params', () => {
    expect(twilioSignature(token, url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(twilioSignature(token, url, [...params].reverse())).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('computes the :443 vector and accepts either form of the URL', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(twilioSignature(token, withPort, params)).toBe('kvajT1Ptam85bY51eRf/AJRuM3w=');
    // Twilio signed with the port, we know the URL without it — and the other way round.
    expect(isValidTwilioRequest({ authToken: token, url, signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=', rawBody: form(params), json: false })).toBe(true);
    expect(isValidTwilioRequest({ authToken: token, url: withPort, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', rawBody: form(params), json: false })).toBe(true);
  });

  it('adds every value of a repeated name, values sorted', () => {
    const repeated: Array<[string, string]> = [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234']];
    expect(twilioSignature(token, url, repeated)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
    expect(isValidTwilioRequest({ authToken: token, url, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', rawBody: form(repeated), json: false })).toBe(true);
  });

  it('validates a JSON body by bodySHA256 and the URL alone', () => {
    expect(createHash('sha256').update(jsonBody).digest('hex')).toBe(jsonHash);
    const signedUrl = `${url}&bodySHA256=${jsonHash}`;
    expect(twilioSignature(token, signedUrl, [])).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
    expect(isValidTwilioRequest({ authToken: token, url: signedUrl, signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', rawBody: Buffer.from(jsonBody), json: true })).toBe(true);
  });

  it('rejects a JSON body that does not match its bodySHA256, even with a valid URL signature', () => {
    const signedUrl = `${url}&bodySHA256=${jsonHash}`;
    const tampered = Buffer.from('{"property": "evil", "boolean": true}');
    expect(isValidTwilioRequest({ authToken: token, url: signedUrl, signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', rawBody: tampered, json: true })).toBe(false);
    expect(isValidTwilioRequest({ authToken: token, url, signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', rawBody: Buffer.from(jsonBody), json: true })).toBe(false);
  });

  it('rejects tampered params, another URL and another token', () => {
    const tampered: Array<[string, string]> = params.map(([k, v]) => [k, k === 'Digits' ? '9999' : v]);
    const check = (overrides: Partial<Parameters<typeof isValidTwilioRequest>[0]>) =>
      isValidTwilioRequest({ authToken: token, url, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', rawBody: form(params), json: false, ...overrides });
    expect(check({})).toBe(true);
    expect(check({ rawBody: form(tampered) })).toBe(false);
    expect(check({ url: 'https://mycompany.com/myapp.php?foo=1&bar=3' })).toBe(false);
    expect(check({ authToken: '54321' })).toBe(false);
    expect(check({ signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8' })).toBe(false);
  });

  it('lists the port variants Twilio may have signed (as the twilio package: with and without any port)', () => {
    expect(urlVariants('https://a.example/x?y=1')).toEqual(expect.arrayContaining(['https://a.example/x?y=1', 'https://a.example:443/x?y=1']));
    expect(urlVariants('https://a.example:443/x')).toEqual(expect.arrayContaining(['https://a.example:443/x', 'https://a.example/x']));
    expect(urlVariants('http://a.example/x')).toEqual(expect.arrayContaining(['http://a.example/x', 'http://a.example:80/x']));
    expect(urlVariants('https://a.example:8443/x')).toEqual(expect.arrayContaining(['https://a.example:8443/x', 'https://a.example/x']));
    expect(urlVariants("https://a.example/x?n=O%27B")).toEqual(expect.arrayContaining(["https://a.example/x?n=O'B"]));
    for (const url of ['https://a.example/x?y=1', 'https://a.example:8443/x?n=O%27B']) expect(urlVariants(url).length).toBeLessThanOrEqual(7);
  });
});

describe('verifyTwilioWebhook (gateway behind a proxy)', () => {
  const authToken = 'f3a1c2e4b5d6a7f8e9d0c1b2a3f4e5d6';
  const body = fixture('inbound-text');
  const publicUrl = 'https://omni.example.com/webhooks/twilio/sms';
  const signature = twilioSignature(authToken, publicUrl, Array.from(new URLSearchParams(body.toString()).entries()));

  it('signs over publicBaseUrl + path, not the internal URL the gateway saw', () => {
    const request = webhookRequest({ rawBody: body, headers: { 'x-twilio-signature': signature } });
    expect(request.url).toBe('http://10.0.0.7:3104/webhooks/twilio/sms');
    expect(verifyTwilioWebhook(authToken, 'https://omni.example.com/', request)).toEqual({ ok: true });
  });

  it('keeps a path prefix of the public base URL and the query exactly as sent', () => {
    const prefixed = 'https://edge.example.com/omni/webhooks/twilio/sms?tenant=acme&x=a%20b';
    const sig = twilioSignature(authToken, prefixed, Array.from(new URLSearchParams(body.toString()).entries()));
    const request = webhookRequest({ rawBody: body, url: 'http://10.0.0.7:3104/webhooks/twilio/sms?tenant=acme&x=a%20b', query: { tenant: 'acme', x: 'a b' }, headers: { 'x-twilio-signature': sig } });
    expect(verifyTwilioWebhook(authToken, 'https://edge.example.com/omni', request)).toEqual({ ok: true });
  });

  it('answers 401 without a signature and 403 for a wrong one', () => {
    expect(verifyTwilioWebhook(authToken, 'https://omni.example.com', webhookRequest({ rawBody: body }))).toMatchObject({ ok: false, status: 401 });
    const tampered = Buffer.from(body.toString().replace('appointment', 'apartment'));
    expect(verifyTwilioWebhook(authToken, 'https://omni.example.com', webhookRequest({ rawBody: tampered, headers: { 'x-twilio-signature': signature } }))).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('treats a JSON content type as a bodySHA256 request', () => {
    const raw = Buffer.from(jsonBody);
    const path = '/webhooks/twilio/sms';
    const signed = `https://omni.example.com${path}?bodySHA256=${jsonHash}`;
    const sig = twilioSignature(authToken, signed, []);
    const request = webhookRequest({ rawBody: raw, url: `http://internal${path}?bodySHA256=${jsonHash}`, headers: { 'content-type': 'application/json', 'x-twilio-signature': sig } });
    expect(verifyTwilioWebhook(authToken, 'https://omni.example.com', request)).toEqual({ ok: true });
  });
});
