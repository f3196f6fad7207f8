import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChannelAdapter, ProviderRequest } from '@omni/channel-sdk';
import { createTwitterAdapter, defaultWelcomeRule, registerWelcomeMessages, updateWelcomeMessage } from '@omni/channel-twitter';
import { Channel, create, ErrorCode, OutboundApprovedSchema, SenderAction, type MessageInitShape, type OutboundContentSchema } from '@omni/contracts';
import { accountActivityDm, FakeTwitterApi, xActivityDm } from './index';

const BUSINESS = '1111111111111111111';
const CUSTOMER = '2222222222222222222';
const credentials = { consumerKey: 'ck-fake', consumerSecret: 'cs-fake', accessToken: `${BUSINESS}-at-fake`, accessTokenSecret: 'ats-fake' };

let fake: FakeTwitterApi;
let baseUrl: string;
let nonce = 0;

beforeAll(async () => {
  fake = new FakeTwitterApi({ ...credentials, userId: BUSINESS });
  baseUrl = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

function adapterFor(options: { legacy?: boolean; secret?: string } = {}): ChannelAdapter {
  return createTwitterAdapter({ ...credentials, accessTokenSecret: options.secret ?? credentials.accessTokenSecret, useLegacyV1: options.legacy, apiBaseUrl: baseUrl });
}

/** What a gateway does: format → toHttp → fetch → interpret. */
async function send(adapter: ChannelAdapter, request: ProviderRequest) {
  const http = adapter.toHttp(request, { now: new Date(), nonce: `nonce${++nonce}` });
  const response = await fetch(baseUrl + http.pathAndQuery, { method: http.method, headers: http.headers, body: http.body });
  const text = await response.text();
  const body = text ? JSON.parse(text) : '';
  const headers = Object.fromEntries(response.headers.entries());
  return { status: response.status, headers, body, outcome: adapter.interpret(request, { status: response.status, headers, body }, new Date()) };
}

function approved(content: MessageInitShape<typeof OutboundContentSchema>, replyTo = '') {
  return create(OutboundApprovedSchema, {
    id: 'out-1',
    request: { channel: Channel.TWITTER, accountId: BUSINESS, recipient: { channelUserId: CUSTOMER }, content, replyToProviderMessageId: replyTo },
  });
}

describe('FakeTwitterApi over real HTTP', () => {
  it('accepts a correctly signed v2 DM and answers like X', async () => {
    const adapter = adapterFor();
    const [request] = adapter.format(approved({ text: 'Your parcel ships tomorrow.' }));
    const result = await send(adapter, request!);
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ data: { dm_conversation_id: `${BUSINESS}-${CUSTOMER}`, dm_event_id: expect.stringMatching(/^\d+$/) } });
    expect(result.outcome).toEqual({ ok: true, providerMessageId: result.body.data.dm_event_id });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `/2/dm_conversations/with/${CUSTOMER}/messages`,
      body: { text: 'Your parcel ships tomorrow.' },
      oauth: { oauth_consumer_key: 'ck-fake', oauth_token: `${BUSINESS}-at-fake`, oauth_signature_method: 'HMAC-SHA1' },
      status: 201,
    });
    expect(fake.sentDirectMessages()).toEqual([{ recipientId: CUSTOMER, text: 'Your parcel ships tomorrow.', mediaId: undefined, eventId: result.body.data.dm_event_id }]);
  });

  it('refuses a request signed with the wrong token secret (401) and a replayed nonce', async () => {
    const wrong = adapterFor({ secret: 'not-the-secret' });
    const [request] = wrong.format(approved({ text: 'hi' }));
    const result = await send(wrong, request!);
    expect(result.status).toBe(401);
    expect(result.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.AUTH } });

    const adapter = adapterFor();
    const http = adapter.toHttp(request!, { now: new Date(), nonce: 'same-nonce' });
    const first = await fetch(baseUrl + http.pathAndQuery, { method: 'POST', headers: http.headers, body: http.body });
    const replay = await fetch(baseUrl + http.pathAndQuery, { method: 'POST', headers: http.headers, body: http.body });
    expect([first.status, replay.status]).toEqual([201, 401]);
  });

  it('refuses a request without OAuth', async () => {
    const response = await fetch(`${baseUrl}/2/dm_conversations/with/${CUSTOMER}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
  });

  it('validates the v2 body like X (text over 10,000 characters → 400 invalid-request)', async () => {
    const adapter = adapterFor();
    const result = await send(adapter, { method: 'POST', path: `/2/dm_conversations/with/${CUSTOMER}/messages`, json: { text: 'x'.repeat(10_001) }, purpose: 'text' });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ title: 'Invalid Request', type: 'https://api.x.com/2/problems/invalid-request' });
    expect(result.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.PAYLOAD_TOO_LARGE } });
    const empty = await send(adapter, { method: 'POST', path: `/2/dm_conversations/with/${CUSTOMER}/messages`, json: {}, purpose: 'text' });
    expect(empty.status).toBe(400);
  });

  it('sends every part of a long text, signed separately', async () => {
    const adapter = adapterFor();
    const requests = adapter.format(approved({ text: `${'a'.repeat(9_999)} ${'b'.repeat(10)}` }));
    for (const request of requests) expect((await send(adapter, request)).status).toBe(201);
    expect(fake.sentDirectMessages().map((m) => m.text)).toEqual(['a'.repeat(9_999), 'b'.repeat(10)]);
  });

  it('accepts v1.1 quick replies, typing and mark-read (form bodies signed)', async () => {
    const adapter = adapterFor({ legacy: true });
    const quick = adapter.format(approved({ text: 'How can we help?', quickReplies: [{ title: 'Track my order', payload: 'TRACK' }, { title: 'Returns', payload: 'RETURN' }] }));
    const typing = adapter.format(approved({ senderAction: SenderAction.TYPING_ON }));
    const read = adapter.format(approved({ senderAction: SenderAction.MARK_SEEN }, '2080765901528535096'));
    const results = [];
    for (const request of [...quick, ...typing, ...read]) results.push(await send(adapter, request));
    expect(results.map((r) => r.status)).toEqual([200, 204, 204]);
    expect(results[0]!.outcome).toEqual({ ok: true, providerMessageId: results[0]!.body.event.id });
    expect(fake.sentDirectMessages()[0]).toMatchObject({
      recipientId: CUSTOMER,
      quickReplies: [{ label: 'Track my order', metadata: 'TRACK' }, { label: 'Returns', metadata: 'RETURN' }],
    });
    expect(fake.requests.map((r) => [r.path, r.body])).toEqual([
      ['/1.1/direct_messages/events/new.json', expect.any(Object)],
      ['/1.1/direct_messages/indicate_typing.json', { recipient_id: CUSTOMER }],
      ['/1.1/direct_messages/mark_read.json', { last_read_event_id: '2080765901528535096', recipient_id: CUSTOMER }],
    ]);
  });

  it('rejects v1.1 quick replies over the limits with a v1.1 error', async () => {
    const adapter = adapterFor({ legacy: true });
    const options = Array.from({ length: 21 }, (_, i) => ({ label: `O${i}` }));
    const result = await send(adapter, {
      method: 'POST',
      path: '/1.1/direct_messages/events/new.json',
      json: { event: { type: 'message_create', message_create: { target: { recipient_id: CUSTOMER }, message_data: { text: 'x', quick_reply: { type: 'options', options } } } } },
      purpose: 'quick_replies',
    });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ errors: [{ code: 44, message: expect.stringContaining('1 to 20') }] });
  });

  it('registers welcome messages and a default rule', async () => {
    const adapter = adapterFor({ legacy: true });
    const [create] = registerWelcomeMessages([{ key: 'default', text: 'Hi! How can we help?' }]);
    const created = await send(adapter, create!);
    expect(created.body).toMatchObject({ welcome_message: { id: expect.any(String), name: 'default', message_data: { text: 'Hi! How can we help?' } } });
    const rule = await send(adapter, defaultWelcomeRule(created.body.welcome_message.id));
    expect(rule.body).toMatchObject({ welcome_message_rule: { welcome_message_id: created.body.welcome_message.id } });
    expect(fake.welcomeMessages()).toEqual([expect.objectContaining({ id: created.body.welcome_message.id, name: 'default' })]);
  });

  it('keeps welcome messages: update in place, show, list, destroy; unknown ids answer 404 code 34', async () => {
    const adapter = adapterFor();
    const config = { key: 'summer-sale', text: 'Ask us about the sale', quickReplies: [{ title: 'Prices', payload: 'PRICES' }] };
    const created = await send(adapter, registerWelcomeMessages([config])[0]!);
    const id = created.body.welcome_message.id as string;
    expect(created.outcome).toEqual({ ok: true, providerMessageId: id });

    const updated = await send(adapter, updateWelcomeMessage(id, { ...config, text: 'The sale ends Sunday' }));
    expect(updated.status).toBe(200);
    expect(updated.body.welcome_message).toMatchObject({ id, name: 'summer-sale', message_data: { text: 'The sale ends Sunday', quick_reply: { type: 'options' } } });

    const get = (path: string) => send(adapter, { method: 'GET', path, purpose: 'read' });
    expect((await get(`/1.1/direct_messages/welcome_messages/list.json`)).body).toEqual({ welcome_messages: [expect.objectContaining({ id, name: 'summer-sale' })] });
    const show = await send(adapter, { method: 'GET', path: '/1.1/direct_messages/welcome_messages/show.json', query: { id }, purpose: 'read' });
    expect(show.body.welcome_message.message_data.text).toBe('The sale ends Sunday');

    const destroy = await send(adapter, { method: 'DELETE', path: '/1.1/direct_messages/welcome_messages/destroy.json', query: { id }, purpose: 'destroy' });
    expect(destroy.status).toBe(204);
    const gone = await send(adapter, updateWelcomeMessage(id, config));
    expect([gone.status, gone.body]).toEqual([404, { errors: [{ code: 34, message: 'Sorry, that page does not exist.' }] }]);
    expect(fake.welcomeMessages()).toEqual([]);
  });

  it('validates welcome messages like DMs (text required, quick reply limits)', async () => {
    const adapter = adapterFor();
    const empty = await send(adapter, { method: 'POST', path: '/1.1/direct_messages/welcome_messages/new.json', json: { welcome_message: { name: 'x', message_data: {} } }, purpose: 'welcome' });
    expect([empty.status, empty.body]).toEqual([400, { errors: [{ code: 44, message: 'welcome_message.message_data.text is required' }] }]);
    const rule = await send(adapter, defaultWelcomeRule('1077201358826000389'));
    expect(rule.status).toBe(404);
  });

  describe('scripted failures', () => {
    it('fails the next N requests with 429 and x-rate-limit-reset, then recovers', async () => {
      const adapter = adapterFor();
      const [request] = adapter.format(approved({ text: 'hi' }));
      const resetAt = Math.floor(Date.now() / 1000) + 600;
      fake.failNext(2, { kind: 'rate-limit', resetAt });
      const first = await send(adapter, request!);
      const second = await send(adapter, request!);
      const third = await send(adapter, request!);
      expect([first.status, second.status, third.status]).toEqual([429, 429, 201]);
      expect(first.headers['x-rate-limit-reset']).toBe(String(resetAt));
      expect(first.headers['x-rate-limit-remaining']).toBe('0');
      expect(first.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true } });
      if (!first.outcome.ok) expect(Number(first.outcome.error.retryAfterMs)).toBeGreaterThan(0);
    });

    it("answers 403 when the recipient doesn't accept DMs (v2 and v1.1 shapes)", async () => {
      const adapter = adapterFor({ legacy: true });
      fake.failNext(1, { kind: 'cannot-dm' });
      const [v2] = adapter.format(approved({ text: 'hi' }));
      expect((await send(adapter, v2!)).outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false } });
      fake.failNext(1, { kind: 'cannot-dm' });
      const [v1] = adapter.format(approved({ text: 'hi', quickReplies: [{ title: 'A', payload: 'A' }] }));
      const result = await send(adapter, v1!);
      expect(result.body).toEqual({ errors: [{ code: 349, message: 'You cannot send messages to this user.' }] });
      expect(result.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.RECIPIENT_UNAVAILABLE, providerCode: '349' } });
    });

    it('can answer usage-capped, overload and custom errors', async () => {
      const adapter = adapterFor();
      const [request] = adapter.format(approved({ text: 'hi' }));
      fake.failNext(1, { kind: 'usage-capped' });
      fake.failNext(1, { kind: 'unavailable' });
      fake.failNext(1, { kind: 'custom', status: 403, body: { title: 'Forbidden', type: 'https://api.x.com/2/problems/client-forbidden', status: 403 } });
      const codes = [];
      for (let i = 0; i < 3; i++) {
        const { outcome } = await send(adapter, request!);
        codes.push(outcome.ok ? 'ok' : [ErrorCode[outcome.error.code!], outcome.error.retryable]);
      }
      expect(codes).toEqual([['RATE_LIMITED', false], ['PROVIDER_DOWN', true], ['AUTH', false]]);
    });
  });

  describe('webhooks towards a gateway', () => {
    let receiver: Server;
    let receiverUrl: string;
    const received: Array<{ ok: boolean; events: number }> = [];

    beforeAll(async () => {
      const adapter = adapterFor();
      receiver = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const request = { method: req.method as 'GET' | 'POST', path: url.pathname, url: url.toString(), query: Object.fromEntries(url.searchParams), headers, rawBody: Buffer.concat(chunks) };
        const handshake = req.method === 'GET' ? adapter.handshake!(request) : undefined;
        if (handshake) {
          res.writeHead(handshake.status, { 'content-type': handshake.contentType }).end(handshake.body);
          return;
        }
        const verified = adapter.verify(request);
        if (!verified.ok) {
          received.push({ ok: false, events: 0 });
          res.writeHead(verified.status).end();
          return;
        }
        const events = adapter.parse({ accountId: adapter.inspect(request).accountId, body: request.rawBody, contentType: headers['content-type'] ?? '', webhookPath: url.pathname, receivedAt: new Date(), headers });
        received.push({ ok: true, events: events.length });
        res.writeHead(200).end();
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/twitter`;
    });
    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('passes a CRC against the adapter', async () => {
      const crc = await fake.crc(receiverUrl);
      expect(crc).toMatchObject({ status: 200, valid: true });
    });

    it('posts correctly signed Account Activity and X Activity DMs', async () => {
      received.length = 0;
      const aaa = await fake.postWebhook(receiverUrl, accountActivityDm(BUSINESS, { senderId: CUSTOMER, recipientId: BUSINESS, text: 'Where is my order?' }));
      const xaa = await fake.postWebhook(receiverUrl, xActivityDm(BUSINESS, { senderId: CUSTOMER, recipientId: BUSINESS, text: 'Hello?' }));
      expect([aaa.status, xaa.status]).toEqual([200, 200]);
      expect(received).toEqual([{ ok: true, events: 1 }, { ok: true, events: 1 }]);
    });

    it('can post a badly signed webhook, which the gateway refuses', async () => {
      const result = await fake.postWebhook(receiverUrl, accountActivityDm(BUSINESS, { senderId: CUSTOMER, recipientId: BUSINESS, text: 'x' }), { secret: 'wrong' });
      expect(result.status).toBe(403);
    });
  });
});
