import fc from 'fast-check';
import twilio from 'twilio';
import type { WebhookRequest } from '@omni/channel-sdk';
import { TWILIO_SIGNATURE_HEADER, TWILIO_SIGNATURE_SETTINGS_HEADER, verifyTwilioWebhook } from './verify';

/**
 * Parity with the official `twilio` package (the oracle): whatever it signs as Twilio does, and
 * accepts, the gateway accepts; whatever it refuses, the gateway refuses. Each case below was
 * refused before (repeated identical values, `'` signed but `%27` received, a port Twilio left
 * out, a trailing slash) or not supported (SharedKey HMAC-SHA256).
 */
const TOKEN = 'f3c1a9d8e7b6a5f4c3d2e1f0a9b8c7d6';
const SHARED_KEY = 'sharedkey-secret-0123456789abcdef';
const GATEWAY = 'http://10.0.0.7:3104';

type Pairs = Array<[string, string]>;

/** POST parameters as Express's urlencoded parser gives them to twilio-node: repeated names → arrays. */
function paramsObject(pairs: Pairs): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = out[name];
    out[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return out;
}

/** What Twilio sends: the oracle's signature of `signedUrl` + params, in a request as the gateway builds it. */
function signedRequest(opts: { signedUrl: string; receivedPathAndQuery: string; pairs: Pairs; algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256'; secret?: string }): WebhookRequest {
  const algorithm = opts.algorithm ?? 'HMAC_SHA1';
  const signature = twilio.getExpectedTwilioSignature(opts.secret ?? TOKEN, opts.signedUrl, paramsObject(opts.pairs), algorithm);
  const [path] = opts.receivedPathAndQuery.split('?') as [string];
  return {
    method: 'POST',
    path: path.replace(/\/+$/, ''),
    url: `${GATEWAY}${opts.receivedPathAndQuery}`,
    query: {},
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [TWILIO_SIGNATURE_HEADER]: signature,
      ...(opts.algorithm ? { [TWILIO_SIGNATURE_SETTINGS_HEADER]: `key=KS0123456789abcdef0123456789abcdef,algorithm=${algorithm}` } : {}),
    },
    rawBody: Buffer.from(new URLSearchParams(opts.pairs).toString()),
  };
}

const BASE_PAIRS: Pairs = [
  ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
  ['From', '+14155550100'],
  ['To', '+14155550101'],
  ['Body', 'hello'],
];

describe('Twilio signature parity with the official twilio package', () => {
  it('accepts repeated identical parameter values (each distinct value counts once, as twilio signs)', () => {
    const pairs: Pairs = [...BASE_PAIRS, ['Digits', '1'], ['Digits', '1'], ['Digits', '2']];
    const request = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms', receivedPathAndQuery: '/webhooks/twilio/sms', pairs });
    expect(verifyTwilioWebhook(TOKEN, 'https://omni.example.com', request)).toEqual({ ok: true });
  });

  it("accepts a query signed with ' and received as %27", () => {
    const request = signedRequest({
      signedUrl: "https://omni.example.com/webhooks/twilio/sms?name=O'Brien&x=1",
      receivedPathAndQuery: '/webhooks/twilio/sms?name=O%27Brien&x=1',
      pairs: BASE_PAIRS,
    });
    expect(verifyTwilioWebhook(TOKEN, 'https://omni.example.com', request)).toEqual({ ok: true });
  });

  it('accepts a non-default port, whether Twilio signed it or left it out', () => {
    for (const signedUrl of ['https://omni.example.com:8443/webhooks/twilio/sms', 'https://omni.example.com/webhooks/twilio/sms']) {
      const request = signedRequest({ signedUrl, receivedPathAndQuery: '/webhooks/twilio/sms', pairs: BASE_PAIRS });
      expect({ signedUrl, result: verifyTwilioWebhook(TOKEN, 'https://omni.example.com:8443', request) }).toEqual({ signedUrl, result: { ok: true } });
    }
  });

  it('accepts a configured public URL ending in /, and a webhook URL configured at Twilio with a trailing slash', () => {
    const plain = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms', receivedPathAndQuery: '/webhooks/twilio/sms', pairs: BASE_PAIRS });
    expect(verifyTwilioWebhook(TOKEN, 'https://omni.example.com/', plain)).toEqual({ ok: true });
    const slashed = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms/', receivedPathAndQuery: '/webhooks/twilio/sms/', pairs: BASE_PAIRS });
    expect(verifyTwilioWebhook(TOKEN, 'https://omni.example.com/', slashed)).toEqual({ ok: true });
  });

  it('accepts SharedKey webhooks signed with HMAC-SHA256 (and -SHA1) when the SharedKey secret is configured; 401 when it is not', () => {
    for (const algorithm of ['HMAC_SHA256', 'HMAC_SHA1'] as const) {
      const request = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms', receivedPathAndQuery: '/webhooks/twilio/sms', pairs: BASE_PAIRS, algorithm, secret: SHARED_KEY });
      expect(verifyTwilioWebhook({ authToken: TOKEN, sharedKeySecret: SHARED_KEY }, 'https://omni.example.com', request)).toEqual({ ok: true });
      expect(verifyTwilioWebhook({ authToken: TOKEN }, 'https://omni.example.com', request)).toMatchObject({ ok: false, status: 401 });
      // The auth token is not the SharedKey: a request signed with one is not valid under the other.
      expect(verifyTwilioWebhook({ authToken: SHARED_KEY, sharedKeySecret: TOKEN }, 'https://omni.example.com', request)).toMatchObject({ ok: false, status: 403 });
    }
    const unknown = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms', receivedPathAndQuery: '/webhooks/twilio/sms', pairs: BASE_PAIRS, algorithm: 'HMAC_SHA256', secret: SHARED_KEY });
    unknown.headers[TWILIO_SIGNATURE_SETTINGS_HEADER] = 'key=KS1,algorithm=HMAC_SHA512';
    expect(verifyTwilioWebhook({ authToken: TOKEN, sharedKeySecret: SHARED_KEY }, 'https://omni.example.com', unknown)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses everything with an empty auth token (an HMAC under an empty key proves nothing)', () => {
    const request = signedRequest({ signedUrl: 'https://omni.example.com/webhooks/twilio/sms', receivedPathAndQuery: '/webhooks/twilio/sms', pairs: BASE_PAIRS, secret: '' });
    expect(verifyTwilioWebhook('', 'https://omni.example.com', request)).toMatchObject({ ok: false, status: 401 });
  });

  it('agrees with twilio.validateRequest on random parameters, queries and tampering (property)', () => {
    const text = fc.string({ unit: fc.constantFrom(...'aZ09 +&=%\'"é😀-_.~!*()/?#'.split('')), maxLength: 12 });
    const name = fc.string({ unit: fc.constantFrom(...'ABCDEFabcdef0123_'.split('')), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, text), { maxLength: 8 }),
        fc.array(fc.tuple(name, text), { maxLength: 3 }),
        fc.constantFrom('', ':443', ':8443'),
        fc.boolean(),
        (pairs, queryPairs, port, tamper) => {
          const query = queryPairs.length ? `?${new URLSearchParams(queryPairs).toString()}` : '';
          const base = `https://omni.example.com${port}`;
          const signedUrl = `${base}/webhooks/twilio/sms${query}`;
          const request = signedRequest({ signedUrl, receivedPathAndQuery: `/webhooks/twilio/sms${query}`, pairs: pairs as Pairs });
          if (tamper) request.rawBody = Buffer.concat([request.rawBody, Buffer.from(request.rawBody.length ? '&Tampered=1' : 'Tampered=1')]);
          const received = new URLSearchParams(request.rawBody.toString()).entries();
          const oracle = twilio.validateRequest(TOKEN, request.headers[TWILIO_SIGNATURE_HEADER]!, signedUrl, paramsObject([...received]));
          const ours = verifyTwilioWebhook(TOKEN, base, request).ok;
          expect({ oracle, ours }).toEqual({ oracle: !tamper, ours: !tamper });
        },
      ),
      { numRuns: 300 },
    );
  });
});
