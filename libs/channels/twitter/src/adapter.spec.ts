import { MalformedPayloadError } from '@omni/channel-sdk';
import { Channel, ErrorCode, MediaKind } from '@omni/contracts';
import { BUSINESS_ID, CUSTOMER_ID, FIXTURE_NAMES, fixture, webhookRequest } from '../fixtures';
import { createTwitterAdapter } from './adapter';
import { webhookSignature } from './verify';

const adapter = createTwitterAdapter({ consumerKey: 'ck', consumerSecret: 'test', accessToken: 'at', accessTokenSecret: 'ats' });
const legacy = createTwitterAdapter({ consumerKey: 'ck', consumerSecret: 'test', accessToken: 'at', accessTokenSecret: 'ats', useLegacyV1: true });
const now = new Date('2026-07-24T21:30:00.000Z');

describe('createTwitterAdapter', () => {
  it('identifies the channel and its webhook path', () => {
    expect(adapter.channel).toBe(Channel.TWITTER);
    expect(adapter.slug).toBe('twitter');
    expect(adapter.webhookPaths).toEqual(['/webhooks/twitter']);
  });

  it('declares capabilities per docs/channels/twitter.md, quick replies/typing/mark-read only with v1.1', () => {
    expect(adapter.capabilities).toEqual({
      textLimit: 10_000,
      quickReplyLimit: 0,
      quickReplyTitleLimit: 0,
      buttonLimit: 0,
      carouselLimit: 0,
      mediaKinds: [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.ANIMATED_GIF],
      templates: false,
      receipts: { delivery: false, read: true },
      typingIndicator: false,
      markSeen: false,
      echoes: true,
      window: { kind: 'none', hours: 0, outside: 'none' },
    });
    expect(legacy.capabilities).toMatchObject({ quickReplyLimit: 20, quickReplyTitleLimit: 36, typingIndicator: true, markSeen: true });
  });

  describe('handshake', () => {
    it('answers the CRC GET on its path', () => {
      const reply = adapter.handshake!(webhookRequest({ method: 'GET', query: { crc_token: 'challenge' }, rawBody: Buffer.alloc(0) }));
      expect(reply).toEqual({ status: 200, contentType: 'application/json', body: '{"response_token":"sha256=qY4nvvHq1WgEw5lnDPH7oyBXbGGVKEfSQTXJq7jt3V0="}' });
    });

    it('is not a handshake for POSTs or other paths', () => {
      expect(adapter.handshake!(webhookRequest({ rawBody: fixture('aaa-typing') }))).toBeUndefined();
      expect(adapter.handshake!(webhookRequest({ method: 'GET', path: '/webhooks/other', query: { crc_token: 'x' }, rawBody: Buffer.alloc(0) }))).toBeUndefined();
    });
  });

  describe('verify', () => {
    it('accepts a correctly signed POST and rejects an unsigned one', () => {
      const body = fixture('xaa-dm-received');
      expect(adapter.verify(webhookRequest({ rawBody: body, headers: { 'x-twitter-webhooks-signature': webhookSignature('test', body) } }))).toEqual({ ok: true });
      expect(adapter.verify(webhookRequest({ rawBody: body }))).toMatchObject({ ok: false, status: 401 });
    });

    it('lets the CRC GET through (its answer is the proof)', () => {
      expect(adapter.verify(webhookRequest({ method: 'GET', query: { crc_token: 'x' }, rawBody: Buffer.alloc(0) }))).toEqual({ ok: true });
    });
  });

  describe('inspect', () => {
    const expected: Record<string, { accountId: string; threadKey: string }> = Object.fromEntries(
      FIXTURE_NAMES.map((name) => [name, { accountId: BUSINESS_ID, threadKey: CUSTOMER_ID }]),
    );
    // Bodies that are not about one customer are keyed by the account.
    for (const name of ['aaa-favorite', 'aaa-user-event-revoke', 'xaa-oauth-revoke']) expected[name] = { accountId: BUSINESS_ID, threadKey: BUSINESS_ID };

    it.each(FIXTURE_NAMES)('%s', (name) => {
      expect(adapter.inspect(webhookRequest({ rawBody: fixture(name) }))).toEqual(expected[name]);
    });

    it('rejects a body that is not an X envelope', () => {
      expect(() => adapter.inspect(webhookRequest({ rawBody: Buffer.from('{"object":"page"}') }))).toThrow(MalformedPayloadError);
    });
  });

  describe('interpret', () => {
    const request = { method: 'POST' as const, path: `/2/dm_conversations/with/${CUSTOMER_ID}/messages`, json: { text: 'hi' }, purpose: 'text' };

    it('reads the v2 dm_event_id', () => {
      const body = { data: { dm_conversation_id: `${BUSINESS_ID}-${CUSTOMER_ID}`, dm_event_id: '2080767000000000001' } };
      expect(adapter.interpret(request, { status: 201, headers: {}, body }, now)).toEqual({ ok: true, providerMessageId: '2080767000000000001' });
    });

    it('reads the v1.1 event id', () => {
      const body = { event: { type: 'message_create', id: '2080767000000000002', created_timestamp: '1784928600000' } };
      expect(adapter.interpret(request, { status: 200, headers: {}, body }, now)).toEqual({ ok: true, providerMessageId: '2080767000000000002' });
    });

    it('accepts an empty 204 (typing, mark-read)', () => {
      expect(adapter.interpret(request, { status: 204, headers: {}, body: '' }, now)).toEqual({ ok: true });
    });

    it('maps a 403 (recipient does not accept DMs) to RECIPIENT_UNAVAILABLE, not retried', () => {
      const outcome = adapter.interpret(request, { status: 403, headers: {}, body: { title: 'Forbidden', type: 'about:blank', status: 403 } }, now);
      expect(outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false } });
    });

    it('maps errors with the time passed in', () => {
      const outcome = adapter.interpret(request, { status: 429, headers: { 'x-rate-limit-reset': '1784928660' }, body: { title: 'Too Many Requests' } }, now);
      expect(outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true, retryAfterMs: 60_000n } });
    });
  });
});

describe('sendDelay (X DM quotas, asked by the gateway before each send)', () => {
  const MIN = 60_000;
  const t = now.getTime();
  const sendDelay = adapter.sendDelay!;

  it('is 0 while every window has room', () => {
    expect(sendDelay({ account: [], app: [] }, t)).toBe(0);
    const fourteen = Array.from({ length: 14 }, (_, i) => t - i * MIN);
    expect(sendDelay({ account: fourteen, app: fourteen }, t)).toBe(0);
  });

  it('defers the 16th DM in 15 minutes until the oldest of the 15 is 15 minutes old', () => {
    const fifteen = Array.from({ length: 15 }, (_, i) => t - 10 * MIN + i * 1_000); // oldest 10 min ago
    expect(sendDelay({ account: fifteen, app: fifteen }, t)).toBe(5 * MIN);
    // One ms after the oldest ages out there is room again.
    expect(sendDelay({ account: fifteen, app: fifteen }, t + 5 * MIN)).toBe(0);
  });

  it('counts only this account against the per-user window', () => {
    const others = Array.from({ length: 40 }, (_, i) => t - i * 1_000); // other business accounts of the app
    expect(sendDelay({ account: [], app: others }, t)).toBe(0);
  });

  it('defers for the per-app 1,440 / 24 h window across accounts', () => {
    const app = Array.from({ length: 1_440 }, (_, i) => t - 23 * 60 * MIN + i * 1_000); // oldest 23 h ago
    expect(sendDelay({ account: [], app }, t)).toBe(60 * MIN);
  });

  it('defers for the per-user 1,440 / 24 h window with the longest wait', () => {
    const account = Array.from({ length: 1_440 }, (_, i) => t - 20 * 60 * MIN + i * 100);
    expect(sendDelay({ account, app: account }, t)).toBe(4 * 60 * MIN);
  });

  it('ignores sends older than every window', () => {
    const old = Array.from({ length: 2_000 }, () => t - 25 * 60 * MIN);
    expect(sendDelay({ account: old, app: old }, t)).toBe(0);
  });
});
