import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MalformedPayloadError, type ChannelAdapter, type ChannelEvent, type ProviderRequest, type ProviderResponse } from '@omni/channel-sdk';
import { createMessengerAdapter } from '@omni/channel-messenger';
import { createWhatsAppAdapter } from '@omni/channel-whatsapp';
import {
  Button_Kind,
  create,
  DeliveryPolicy_MessagingType,
  ErrorCode,
  MediaKind,
  OutboundApprovedSchema,
  SenderAction,
  type MessageInitShape,
  type OutboundContentSchema,
} from '@omni/contracts';
import {
  FakeMetaGraph,
  GraphErrors,
  messengerDelivery,
  messengerText,
  messengerWebhook,
  metaJson,
  postSignedWebhook,
  verifyWebhookSubscription,
  whatsappButtonReply,
  whatsappStatus,
  whatsappText,
  whatsappWebhook,
} from './index';

type ContentInit = MessageInitShape<typeof OutboundContentSchema>;

const PAGE_TOKEN = 'fake-page-token-123';
const WA_TOKEN = 'fake-wa-token-456';
const APP_SECRET = 'fake-app-secret';
const VERIFY_TOKEN = 'fake-verify-token';
const PAGE_ID = '104857600000001';
const PSID = '6543210987654321';
const PHONE_NUMBER_ID = '106540352242922';
const CUSTOMER = '5215512345678';

const messenger = createMessengerAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, pageAccessToken: PAGE_TOKEN });
const whatsapp = createWhatsAppAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accessToken: WA_TOKEN });

const graph = new FakeMetaGraph({ messengerPageAccessToken: PAGE_TOKEN, whatsappAccessToken: WA_TOKEN, whatsappPhoneNumberIds: [PHONE_NUMBER_ID] });
let baseUrl: string;

beforeAll(async () => {
  baseUrl = await graph.start();
});
afterAll(() => graph.stop());
beforeEach(() => graph.reset());

function approved(channel: 'messenger' | 'whatsapp', content: ContentInit, replyTo?: string) {
  return create(OutboundApprovedSchema, {
    id: 'out-0001',
    request: {
      accountId: channel === 'messenger' ? PAGE_ID : PHONE_NUMBER_ID,
      recipient: { channelUserId: channel === 'messenger' ? PSID : CUSTOMER },
      content,
      replyToProviderMessageId: replyTo,
    },
    policy: { messagingType: DeliveryPolicy_MessagingType.RESPONSE },
  });
}

/** What the gateway does with one provider request: toHttp, real HTTP, read the answer. */
async function call(adapter: ChannelAdapter, request: ProviderRequest): Promise<ProviderResponse> {
  const spec = adapter.toHttp(request, { now: new Date(), nonce: 'nonce' });
  const response = await fetch(`${baseUrl}${spec.pathAndQuery}`, { method: spec.method, headers: spec.headers, body: spec.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
}

async function post(path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: { code: number; error_subcode?: number; message: string; fbtrace_id?: string; error_data?: { details: string } } } };
}

describe('FakeMetaGraph: Messenger Send API', () => {
  it('accepts a formatted send, records it exactly and answers {recipient_id, message_id}', async () => {
    const [request] = messenger.format(approved('messenger', { text: 'Size M is available.', quickReplies: [{ title: 'Reserve it', payload: 'RESERVE_42' }] }));
    const response = await call(messenger, request!);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ recipient_id: PSID, message_id: expect.stringMatching(/^m_fake\d+$/) });
    expect(messenger.interpret(request!, response, new Date())).toEqual({ ok: true, providerMessageId: (response.body as { message_id: string }).message_id });

    expect(graph.requests).toHaveLength(1);
    expect(graph.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v24.0/me/messages',
      query: { access_token: PAGE_TOKEN },
      headers: { 'content-type': 'application/json' },
      api: 'messenger',
      body: request!.json,
      response: { status: 200 },
    });
  });

  it('answers a sender action with the recipient only', async () => {
    const [request] = messenger.format(approved('messenger', { senderAction: SenderAction.TYPING_ON }));
    const response = await call(messenger, request!);
    expect(response).toMatchObject({ status: 200, body: { recipient_id: PSID } });
    expect(messenger.interpret(request!, response, new Date())).toEqual({ ok: true });
  });

  it('accepts everything the Messenger adapter formats', async () => {
    const contents: ContentInit[] = [
      { text: 'x '.repeat(1500) },
      { text: 'Pick', quickReplies: Array.from({ length: 14 }, (_, i) => ({ title: `Option number ${i + 1} is long`, payload: `P${i}` })) },
      { text: 'Help?', buttons: [{ kind: Button_Kind.POSTBACK, title: 'Track', value: 'T' }, { kind: Button_Kind.URL, title: 'Shop', value: 'https://shop.example.com' }] },
      { cards: Array.from({ length: 11 }, (_, i) => ({ title: `Card ${i}`, subtitle: 's', imageUrl: 'https://cdn.example.com/c.jpg', buttons: [{ kind: Button_Kind.POSTBACK, title: 'Pick', value: `C${i}` }] })) },
      { media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/a.png', caption: 'Chart' }, quickReplies: [{ title: 'OK' }] },
      { reaction: { targetProviderMessageId: 'm_1', emoji: '❤' } },
      { senderAction: SenderAction.MARK_SEEN },
    ];
    for (const content of contents) {
      for (const request of messenger.format(approved('messenger', content, 'm_AbC'))) {
        const response = await call(messenger, request);
        expect({ purpose: request.purpose, status: response.status, body: response.body }).toMatchObject({ purpose: request.purpose, status: 200 });
      }
    }
    expect(graph.requests.length).toBeGreaterThan(contents.length);
  });

  it('refuses a wrong token with 190 and a missing one with 104, as Graph does', async () => {
    const [request] = messenger.format(approved('messenger', { text: 'hi' }));
    const wrong = createMessengerAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, pageAccessToken: 'stale-token' });
    const response = await call(wrong, request!);
    expect(response).toMatchObject({ status: 400, body: { error: { code: 190, type: 'OAuthException', fbtrace_id: expect.any(String) } } });
    expect(messenger.interpret(request!, response, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.AUTH, retryable: false } });
    expect((await post('/v24.0/me/messages', request!.json, {})).body.error?.code).toBe(104);
  });

  it.each([
    ['text over 2,000 characters', { recipient: { id: PSID }, messaging_type: 'RESPONSE', message: { text: 'a'.repeat(2001) } }],
    ['14 quick replies', { recipient: { id: PSID }, messaging_type: 'RESPONSE', message: { text: 'x', quick_replies: Array.from({ length: 14 }, (_, i) => ({ content_type: 'text', title: `t${i}`, payload: 'p' })) } }],
    ['a quick-reply title over 20', { recipient: { id: PSID }, messaging_type: 'RESPONSE', message: { text: 'x', quick_replies: [{ content_type: 'text', title: 'a'.repeat(21), payload: 'p' }] } }],
    ['no messaging_type', { recipient: { id: PSID }, message: { text: 'x' } }],
    ['MESSAGE_TAG without tag', { recipient: { id: PSID }, messaging_type: 'MESSAGE_TAG', message: { text: 'x' } }],
    ['no recipient', { messaging_type: 'RESPONSE', message: { text: 'x' } }],
    ['message and sender_action', { recipient: { id: PSID }, messaging_type: 'RESPONSE', message: { text: 'x' }, sender_action: 'typing_on' }],
    ['four template buttons', { recipient: { id: PSID }, messaging_type: 'RESPONSE', message: { attachment: { type: 'template', payload: { template_type: 'button', text: 'x', buttons: [1, 2, 3, 4].map((i) => ({ type: 'postback', title: `b${i}`, payload: 'p' })) } } } }],
    ['a body that is not JSON', '{"recipient":'],
  ])('refuses %s with a code-100 Graph error', async (_name, body) => {
    const response = await post(`/v24.0/me/messages?access_token=${PAGE_TOKEN}`, body, {});
    expect(response).toMatchObject({ status: 400, body: { error: { code: 100, type: 'OAuthException', message: expect.stringMatching(/^\(#100\)/) } } });
  });

  it('fails the next N requests as scripted, then recovers', async () => {
    graph.failNext(2, GraphErrors.messengerWindowClosed);
    const [request] = messenger.format(approved('messenger', { text: 'Following up' }));
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(messenger.interpret(request!, await call(messenger, request!), new Date()));
    expect(outcomes.map((o) => (o.ok ? 'ok' : `${ErrorCode[o.error.code!]}:${o.error.providerCode}`))).toEqual(['WINDOW_CLOSED:10/2018278', 'WINDOW_CLOSED:10/2018278', 'ok']);
    expect(graph.requests.map((r) => r.response.status)).toEqual([400, 400, 200]);
  });

  it('scripts rate limits over HTTP 429 and proxy pages', async () => {
    graph.failNext(1, GraphErrors.messengerCallsLimited);
    graph.failNext(1, GraphErrors.serviceUnavailablePage);
    const [request] = messenger.format(approved('messenger', { text: 'hi' }));
    const limited = await call(messenger, request!);
    expect(limited.status).toBe(429);
    expect(messenger.interpret(request!, limited, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true } });
    const down = await call(messenger, request!);
    expect(down).toMatchObject({ status: 503, body: expect.stringContaining('503') });
    expect(messenger.interpret(request!, down, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.PROVIDER_DOWN, retryable: true } });
  });
});

describe('FakeMetaGraph: WhatsApp Cloud API', () => {
  it('accepts a formatted send with the bearer token and answers {messaging_product, contacts, messages:[{id}]}', async () => {
    const [request] = whatsapp.format(approved('whatsapp', { text: 'Tu pedido ya salió.' }));
    const response = await call(whatsapp, request!);
    expect(response).toMatchObject({
      status: 200,
      body: { messaging_product: 'whatsapp', contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }], messages: [{ id: expect.stringMatching(/^wamid\./) }] },
    });
    expect(whatsapp.interpret(request!, response, new Date())).toEqual({ ok: true, providerMessageId: (response.body as { messages: Array<{ id: string }> }).messages[0]!.id });
    expect(graph.whatsappRequests()[0]).toMatchObject({
      path: `/v24.0/${PHONE_NUMBER_ID}/messages`,
      headers: { authorization: `Bearer ${WA_TOKEN}` },
      body: { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'Tu pedido ya salió.' }, biz_opaque_callback_data: 'out-0001' },
    });
  });

  it('answers mark-as-read + typing with {success:true}', async () => {
    const [request] = whatsapp.format(approved('whatsapp', { senderAction: SenderAction.TYPING_ON }, 'wamid.IN1'));
    const response = await call(whatsapp, request!);
    expect(response).toMatchObject({ status: 200, body: { success: true } });
    expect(whatsapp.interpret(request!, response, new Date())).toEqual({ ok: true });
  });

  it('accepts everything the WhatsApp adapter formats', async () => {
    const contents: ContentInit[] = [
      { text: 'y '.repeat(3000) },
      { text: 'Pick', quickReplies: [{ title: 'Yes', payload: 'Y' }, { title: 'No', payload: 'N' }] },
      { text: 'Store?', quickReplies: Array.from({ length: 7 }, (_, i) => ({ title: `Store with a long name ${i}`, payload: `S${i}`, description: 'd'.repeat(100) })) },
      { text: 'Size?', quickReplies: Array.from({ length: 12 }, (_, i) => ({ title: `Size ${i}` })) },
      { media: { kind: MediaKind.FILE, url: 'https://cdn.example.com/f.pdf', caption: 'Invoice', filename: 'f.pdf' } },
      { media: { kind: MediaKind.AUDIO, url: 'https://cdn.example.com/a.mp3', caption: 'Listen' } },
      { cards: [{ title: 'Card', subtitle: 's', imageUrl: 'https://cdn.example.com/c.jpg' }] },
      { template: { name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', value: '#1' }] }] } },
      { reaction: { targetProviderMessageId: 'wamid.IN1', emoji: '👍' } },
    ];
    for (const content of contents) {
      for (const request of whatsapp.format(approved('whatsapp', content, 'wamid.IN1'))) {
        const response = await call(whatsapp, request);
        expect({ purpose: request.purpose, status: response.status, body: response.body }).toMatchObject({ purpose: request.purpose, status: 200 });
      }
    }
    expect(graph.requests.length).toBeGreaterThan(contents.length);
  });

  it('refuses a wrong bearer with 401 / 190', async () => {
    const [request] = whatsapp.format(approved('whatsapp', { text: 'hi' }));
    const wrong = createWhatsAppAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accessToken: 'expired' });
    const response = await call(wrong, request!);
    expect(response).toMatchObject({ status: 401, body: { error: { code: 190 } } });
    expect(whatsapp.interpret(request!, response, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.AUTH } });
  });

  it('refuses an unknown phone number id with 100/33', async () => {
    const response = await post('/v24.0/999999999/messages', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x' } }, { authorization: `Bearer ${WA_TOKEN}` });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 33 } } });
  });

  it.each([
    ['no messaging_product', { to: CUSTOMER, type: 'text', text: { body: 'x' } }],
    ['text over 4,096', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'a'.repeat(4097) } }],
    ['four reply buttons', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive', interactive: { type: 'button', body: { text: 'x' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `b${i}`, title: `B${i}` } })) } } }],
    ['a list row title over 24', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive', interactive: { type: 'list', body: { text: 'x' }, action: { button: 'Go', sections: [{ rows: [{ id: 'r', title: 'a'.repeat(25) }] }] } } }],
    ['a template without language', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'template', template: { name: 'x' } }],
    ['a caption on audio', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'audio', audio: { link: 'https://x/a.mp3', caption: 'no' } }],
    ['mark-read without message id', { messaging_product: 'whatsapp', status: 'read' }],
  ])('refuses %s with a Graph error and error_data.details', async (_name, body) => {
    const response = await post(`/v24.0/${PHONE_NUMBER_ID}/messages`, body, { authorization: `Bearer ${WA_TOKEN}` });
    expect(response.status).toBe(400);
    expect([100, 131008, 131009]).toContain(response.body.error?.code);
    expect(response.body.error?.error_data?.details).toEqual(expect.any(String));
  });

  it('scripted failures hit only their API', async () => {
    graph.failNext(1, GraphErrors.whatsappWindowClosed);
    const [toMessenger] = messenger.format(approved('messenger', { text: 'hi' }));
    expect((await call(messenger, toMessenger!)).status).toBe(200);
    const [toWhatsApp] = whatsapp.format(approved('whatsapp', { text: 'hola' }));
    const failed = await call(whatsapp, toWhatsApp!);
    expect(whatsapp.interpret(toWhatsApp!, failed, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.WINDOW_CLOSED, providerCode: '131047', retryable: false } });
    graph.failNext(1, GraphErrors.whatsappRateLimited);
    const limited = await call(whatsapp, toWhatsApp!);
    expect(limited.status).toBe(429);
    expect(whatsapp.interpret(toWhatsApp!, limited, new Date())).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true } });
  });

  it('waitForRequests resolves once enough requests arrived', async () => {
    const waiting = graph.waitForRequests(2);
    const [request] = whatsapp.format(approved('whatsapp', { text: 'uno' }));
    await call(whatsapp, request!);
    await call(whatsapp, request!);
    expect(await waiting).toHaveLength(2);
  });
});

/** A minimal webhook receiver hosting an adapter, the way the gateway does, for the webhook helpers. */
async function startReceiver(adapter: ChannelAdapter): Promise<{ url: string; events: ChannelEvent[][]; close: () => Promise<void> }> {
  const events: ChannelEvent[][] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const request = { method: req.method as 'GET' | 'POST', path: url.pathname, url: url.toString(), query: Object.fromEntries(url.searchParams), headers, rawBody: Buffer.concat(chunks) };
    const reply = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    if (req.method === 'GET') {
      const answer = adapter.handshake?.(request);
      return answer ? reply(answer.status, answer.body) : reply(405, '');
    }
    const verified = adapter.verify(request);
    if (!verified.ok) return reply(verified.status, verified.reason);
    try {
      const { accountId } = adapter.inspect(request);
      events.push(adapter.parse({ accountId, body: request.rawBody, contentType: 'application/json', webhookPath: request.path, receivedAt: new Date(), headers: {} }));
      reply(200, 'EVENT_RECEIVED');
    } catch (err) {
      reply(err instanceof MalformedPayloadError ? 400 : 500, 'bad');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${adapter.webhookPaths[0]}`;
  return { url, events, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('Meta webhook helpers', () => {
  it('metaJson escapes non-ASCII and slashes like Meta, and parses back to the same value', () => {
    const value = { text: '¿Sí? 😀', url: 'https://x.example/p' };
    const json = metaJson(value);
    expect(json).toBe(String.raw`{"text":"\u00bfS\u00ed? \ud83d\ude00","url":"https:\/\/x.example\/p"}`);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('posts signed Messenger webhooks the adapter verifies over the raw bytes', async () => {
    const receiver = await startReceiver(messenger);
    try {
      const body = messengerWebhook(
        messengerText({ pageId: PAGE_ID, psid: PSID, text: '¿Tienen talla M? 😀', mid: 'm_hook1', timestamp: 1717171717512 }),
        messengerDelivery({ pageId: PAGE_ID, psid: PSID, mids: ['m_out1'], watermark: 1717171717000, timestamp: 1717171718000 }),
      );
      expect((await postSignedWebhook(receiver.url, body, { appSecret: APP_SECRET })).status).toBe(200);
      expect(receiver.events[0]!.map((e) => e.dedupeKey)).toEqual(['m_hook1', 'delivered:m_out1']);
      expect(receiver.events[0]![0]).toMatchObject({ message: { content: { kind: { case: 'text', value: { text: '¿Tienen talla M? 😀' } } } } });

      for (const signature of ['wrong-secret', 'tampered', 'missing'] as const) {
        expect({ signature, status: (await postSignedWebhook(receiver.url, body, { appSecret: APP_SECRET, signature })).status }).toEqual({ signature, status: 401 });
      }
      expect(receiver.events).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('posts signed WhatsApp webhooks the adapter verifies and parses', async () => {
    const receiver = await startReceiver(whatsapp);
    try {
      const number = { wabaId: '102290129340398', phoneNumberId: PHONE_NUMBER_ID };
      const body = whatsappWebhook(
        {
          number,
          contacts: [{ waId: CUSTOMER, name: 'Ana Ruiz' }],
          messages: [
            whatsappText({ from: CUSTOMER, id: 'wamid.IN1', text: 'Hola, ¿mi pedido?', timestamp: 1717171717000 }),
            whatsappButtonReply({ from: CUSTOMER, id: 'wamid.IN2', buttonId: 'RESERVE_42', title: 'Reservar', contextId: 'wamid.OUT1', timestamp: 1717171718000 }),
          ],
        },
        { number, statuses: [whatsappStatus({ id: 'wamid.OUT1', status: 'failed', recipientId: CUSTOMER, timestamp: 1717171719000 })] },
      );
      expect((await postSignedWebhook(receiver.url, body, { appSecret: APP_SECRET })).status).toBe(200);
      const [events] = receiver.events;
      expect(events!.map((e) => e.dedupeKey)).toEqual(['wamid.IN1', 'wamid.IN2', 'wamid.OUT1:failed']);
      expect(events![0]).toMatchObject({ message: { sender: { channelUserId: CUSTOMER, displayName: 'Ana Ruiz' }, accountId: PHONE_NUMBER_ID } });
      expect(events![2]).toMatchObject({ status: { error: { code: ErrorCode.WINDOW_CLOSED } } });
      expect((await postSignedWebhook(receiver.url, body, { appSecret: APP_SECRET, signature: 'tampered' })).status).toBe(401);
    } finally {
      await receiver.close();
    }
  });

  it('sends the hub.challenge handshake', async () => {
    const receiver = await startReceiver(messenger);
    try {
      expect(await verifyWebhookSubscription(receiver.url, { verifyToken: VERIFY_TOKEN, challenge: '4242' })).toMatchObject({ status: 200, body: '4242' });
      expect((await verifyWebhookSubscription(receiver.url, { verifyToken: 'wrong' })).status).toBe(403);
    } finally {
      await receiver.close();
    }
  });
});
