import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChannelAdapter, ChannelEvent, ProviderRequest } from '@omni/channel-sdk';
import { createSmsAdapter } from '@omni/channel-sms';
import { Channel, ConsentState, create, DeliveryState, ErrorCode, OutboundApprovedSchema, type MessageInitShape, type OutboundContentSchema } from '@omni/contracts';
import { FakeTwilioApi, twilioRequestSignature } from './index';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'f3a1c2e4b5d6a7f8e9d0c1b2a3f4e5d6';
const BUSINESS = '+14155550100';
const CUSTOMER = '+14155550123';
const PUBLIC_BASE = 'https://omni.example.com';

let fake: FakeTwilioApi;
let apiUrl: string;
const adapter: ChannelAdapter = createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC_BASE });

beforeAll(async () => {
  fake = new FakeTwilioApi({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  apiUrl = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

async function send(request: ProviderRequest, using = adapter) {
  const http = using.toHttp(request, { now: new Date(), nonce: 'unused' });
  const response = await fetch(apiUrl + http.pathAndQuery, { method: http.method, headers: http.headers, body: http.body });
  const text = await response.text();
  const body = text ? JSON.parse(text) : '';
  const headers = Object.fromEntries(response.headers.entries());
  return { status: response.status, body, outcome: using.interpret(request, { status: response.status, headers, body }, new Date()) };
}

function approved(content: MessageInitShape<typeof OutboundContentSchema>, to = CUSTOMER) {
  return create(OutboundApprovedSchema, { id: 'out-1', request: { channel: Channel.SMS, accountId: BUSINESS, recipient: { channelUserId: to }, content } });
}

describe('FakeTwilioApi over real HTTP', () => {
  it('accepts a Basic-authenticated send and answers 201 like Twilio', async () => {
    const [request] = adapter.format(approved({ text: 'Yes, see you at 3pm!' }));
    const result = await send(request!);
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      account_sid: ACCOUNT_SID,
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      num_segments: '1',
      num_media: '0',
      direction: 'outbound-api',
      from: BUSINESS,
      to: CUSTOMER,
      body: 'Yes, see you at 3pm!',
      error_code: null,
    });
    expect(result.outcome).toEqual({ ok: true, providerMessageId: result.body.sid, segments: 1 });
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      body: { To: CUSTOMER, From: BUSINESS, Body: 'Yes, see you at 3pm!', StatusCallback: `${PUBLIC_BASE}/webhooks/twilio/status` },
      status: 201,
    });
    expect(fake.messages).toEqual([
      { sid: result.body.sid, to: CUSTOMER, from: BUSINESS, messagingServiceSid: null, body: 'Yes, see you at 3pm!', mediaUrls: [], statusCallback: `${PUBLIC_BASE}/webhooks/twilio/status`, numSegments: 1 },
    ]);
    const fetched = await fetch(`${apiUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${result.body.sid}.json`, { headers: { authorization: fake.requests[0]!.headers['authorization']! } });
    expect(await fetched.json()).toMatchObject({ sid: result.body.sid });
  });

  it('counts segments and answers "accepted" through a Messaging Service', async () => {
    const viaService = createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC_BASE, messagingServiceSid: 'MG9f8e7d6c5b4a39281706f5e4d3c2b1a0' });
    const [request] = viaService.format(approved({ text: `Merci 🙏 ${'x'.repeat(70)}` }));
    const result = await send(request!, viaService);
    expect(result.body).toMatchObject({ status: 'accepted', from: null, messaging_service_sid: 'MG9f8e7d6c5b4a39281706f5e4d3c2b1a0', num_segments: '2' });
    expect(result.outcome).toMatchObject({ ok: true, segments: 2 });
  });

  it('refuses wrong credentials with 20003', async () => {
    const wrong = createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: 'nope', publicBaseUrl: PUBLIC_BASE });
    const [request] = wrong.format(approved({ text: 'hi' }));
    const result = await send(request!, wrong);
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    expect(result.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.AUTH, retryable: false } });
  });

  it.each([
    ['a To that is not E.164', [['To', '555-0123'], ['From', BUSINESS], ['Body', 'hi']], 21211],
    ['no To', [['From', BUSINESS], ['Body', 'hi']], 21604],
    ['no From nor MessagingServiceSid', [['To', CUSTOMER], ['Body', 'hi']], 21603],
    ['no Body nor MediaUrl', [['To', CUSTOMER], ['From', BUSINESS]], 21602],
    ['a Body over 1,600 characters', [['To', CUSTOMER], ['From', BUSINESS], ['Body', 'x'.repeat(1601)]], 21617],
    ['11 MediaUrl', [['To', CUSTOMER], ['From', BUSINESS], ...Array.from({ length: 11 }, (_, i) => ['MediaUrl', `https://cdn.example.com/${i}.jpg`])], 21623],
  ] as Array<[string, Array<[string, string]>, number]>)('validates like Twilio: %s → %i', async (_label, form, code) => {
    const result = await send({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, form, purpose: 'text' });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ code, status: 400, more_info: `https://www.twilio.com/docs/errors/${code}` });
  });

  it('sends several MediaUrl as one MMS', async () => {
    const form: Array<[string, string]> = [['To', CUSTOMER], ['From', BUSINESS], ['MediaUrl', 'https://cdn.example.com/a.jpg'], ['MediaUrl', 'https://cdn.example.com/b.jpg']];
    const result = await send({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, form, purpose: 'media' });
    expect(result.body).toMatchObject({ sid: expect.stringMatching(/^MM/), num_media: '2' });
    expect(fake.messages[0]!.mediaUrls).toEqual(['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg']);
  });

  it('fails the next N requests on demand (21610, 21211, 20429), then recovers', async () => {
    const [request] = adapter.format(approved({ text: 'hi' }));
    fake.failNext(1, { kind: 'opted-out' });
    fake.failNext(1, { kind: 'invalid-to' });
    fake.failNext(2, { kind: 'rate-limited' });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await send(request!));
    expect(results.map((r) => r.status)).toEqual([400, 400, 429, 429, 201]);
    expect(results.map((r) => (r.outcome.ok ? 'ok' : [ErrorCode[r.outcome.error.code!], r.outcome.error.retryable]))).toEqual([
      ['OPTED_OUT', false],
      ['INVALID_RECIPIENT', false],
      ['RATE_LIMITED', true],
      ['RATE_LIMITED', true],
      'ok',
    ]);
    expect(results[0]!.body).toEqual({ code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 });
  });

  it('records every request with what it answered, and can drop unused scripted failures', async () => {
    const [request] = adapter.format(approved({ text: 'hi' }));
    fake.failNext(3, { kind: 'server-error' });
    expect((await send(request!)).status).toBe(500);
    fake.clearFailures();
    expect((await send(request!)).status).toBe(201);
    expect(fake.requests.map((r) => [r.method, r.status, r.body['Body']])).toEqual([
      ['POST', 500, 'hi'],
      ['POST', 201, 'hi'],
    ]);
    expect(fake.requests[1]!.response).toMatchObject({ sid: fake.messages[0]!.sid });
    await expect(new FakeTwilioApi({ accountSid: ACCOUNT_SID, authToken: 'x' }).stop()).resolves.toBeUndefined();
    expect(() => new FakeTwilioApi({ accountSid: ACCOUNT_SID, authToken: 'x' }).baseUrl).toThrow('FakeTwilioApi is not started');
  });

  describe('webhooks towards a gateway behind a proxy', () => {
    let gateway: Server;
    let localBase: string;
    const seen: Array<{ path: string; status: number; events: ChannelEvent[] }> = [];

    beforeAll(async () => {
      gateway = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const request = { method: 'POST' as const, path: url.pathname, url: `http://127.0.0.1${req.url}`, query: Object.fromEntries(url.searchParams), headers, rawBody: Buffer.concat(chunks) };
        const verified = adapter.verify(request);
        if (!verified.ok) {
          seen.push({ path: url.pathname, status: verified.status, events: [] });
          res.writeHead(verified.status).end();
          return;
        }
        const events = adapter.parse({ accountId: adapter.inspect(request).accountId, body: request.rawBody, contentType: headers['content-type'] ?? '', webhookPath: url.pathname, receivedAt: new Date(), headers });
        seen.push({ path: url.pathname, status: 200, events });
        const ack = adapter.acknowledge!(request);
        res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
      });
      await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
      localBase = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
    beforeEach(() => {
      seen.length = 0;
    });

    it('posts an inbound SMS signed over the public URL; the gateway verifies and answers TwiML', async () => {
      const result = await fake.sendInboundMessage(`${localBase}/webhooks/twilio/sms`, { from: CUSTOMER, to: BUSINESS, body: 'STOP' }, { publicUrl: `${PUBLIC_BASE}/webhooks/twilio/sms` });
      expect(result.status).toBe(200);
      expect(result.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      expect(seen[0]!.events.map((e) => e.type)).toEqual(['message', 'consent']);
      expect(seen[0]!.events[1]).toMatchObject({ consent: { state: ConsentState.OPTED_OUT, channelUserId: CUSTOMER } });
      expect(seen[0]!.events[0]).toMatchObject({ dedupeKey: result.messageSid });
    });

    it('posts MMS with media items', async () => {
      await fake.sendInboundMessage(
        `${localBase}/webhooks/twilio/sms`,
        { from: CUSTOMER, to: BUSINESS, body: 'Here', media: [{ url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1', contentType: 'image/jpeg' }] },
        { publicUrl: `${PUBLIC_BASE}/webhooks/twilio/sms` },
      );
      expect(seen[0]!.events.map((e) => (e.type === 'message' ? e.message.content?.kind?.case : e.type))).toEqual(['media', 'text']);
    });

    it('signed over the local URL instead of the public one, the same webhook is refused (403)', async () => {
      const result = await fake.sendInboundMessage(`${localBase}/webhooks/twilio/sms`, { from: CUSTOMER, to: BUSINESS, body: 'hi' });
      expect(result.status).toBe(403);
    });

    it('delivers status callbacks for a sent message to its StatusCallback', async () => {
      const [request] = adapter.format(approved({ text: 'Reminder: 3pm' }));
      const sent = await send(request!);
      await fake.deliverStatus(sent.body.sid, 'sent', { deliverTo: `${localBase}/webhooks/twilio/status` });
      await fake.deliverStatus(sent.body.sid, 'undelivered', { errorCode: 30003, deliverTo: `${localBase}/webhooks/twilio/status` });
      expect(seen.map((s) => s.status)).toEqual([200, 200]);
      expect(seen.map((s) => s.events[0])).toEqual([
        expect.objectContaining({ type: 'status', status: expect.objectContaining({ providerMessageId: sent.body.sid, state: DeliveryState.SENT }) }),
        expect.objectContaining({
          type: 'status',
          status: expect.objectContaining({ state: DeliveryState.FAILED, error: expect.objectContaining({ code: ErrorCode.RECIPIENT_UNAVAILABLE, providerCode: '30003' }) }),
        }),
      ]);
    });

    it('exposes the signature function (matches the published Twilio vector)', () => {
      const params: Array<[string, string]> = [['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675309'], ['Digits', '1234'], ['From', '+14158675309'], ['To', '+18005551212']];
      expect(twilioRequestSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    });
  });
});
