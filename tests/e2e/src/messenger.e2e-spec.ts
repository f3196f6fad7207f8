import { randomUUID } from 'node:crypto';
import { Button_Kind, Channel, DeliveryPolicy_MessagingType, DeliveryState, Direction, EntryPoint_Source, ErrorCode, MediaKind, Topics } from '@omni/contracts';
import { metaGraph, waitFor } from '@omni/testing';
import { loadFixture, MODELLED_FIXTURES, PAGE_ID, PSID, UNSUPPORTED_FIXTURES } from '../../../libs/channels/messenger/fixtures';
import { TEST_SECRETS } from './harness';
import {
  approval,
  digits,
  expectCanonical,
  expectNothingMore,
  message,
  rawRecordsOf,
  sendResults,
  settled,
  startMetaStack,
  status,
  type ApprovalInit,
  type Expected,
  type MetaStack,
} from './meta-helpers';

/**
 * Messenger end to end on real Kafka and PostgreSQL: gateway-messenger and the normalizer run
 * in-process; the only fake is the Graph API, over real HTTP. Inbound: every recorded-style
 * fixture, signed like Meta signs it, must come out of the normalizer as the canonical events of
 * its kind. Outbound: an approval on omni.outbound.approved.v1 must reach the fake as the exact
 * Send API request, and come back as a `sent` status and an omni.outbound.dispatched.v1 record;
 * provider errors as the canonical error, retried only when that helps.
 *
 * The fixtures' provider ids are dedupe keys in the run's (shared) normalizer database: no other
 * spec of the run should post these fixtures.
 */

const OTHER_PAGE = '104857600000002';
const inbound = (extra: Record<string, unknown> = {}) => ({ direction: Direction.INBOUND, accountId: PAGE_ID, sender: { channelUserId: PSID }, recipient: { channelUserId: PAGE_ID }, ...extra });
const text = (value: string, extra?: Record<string, unknown>) => ({ case: 'text', value: { text: value, ...extra } });
const media = (kind: MediaKind, url: string, extra?: Record<string, unknown>) => ({ case: 'media', value: { kind, url, ...extra } });
const unsupported = (providerType: string) => ({ case: 'unsupported', value: { providerType } });
const synthetic = (kind: string) => new RegExp(`^${kind}:${PAGE_ID}:${PSID}:\\d+:[0-9a-f]{16}$`);
const receipt = (extra: Record<string, unknown> = {}) => ({ match: { channelUserId: PSID, accountId: PAGE_ID, ...extra } });

/** Every fixture → the canonical events the normalizer must publish for it (kind and key fields). */
const CANONICAL: Record<string, Expected[]> = {
  text: [message('m_AbCdEf123', text('Is the blue jacket in stock?'), inbound())],
  'text-escaped-unicode': [message('m_Esc0001', text('¿Tienen la talla M en azul? 😀 https://shop.example.com/p/42'), inbound())],
  batched: [
    message('m_Batch001', text('Hello?'), inbound()),
    message('m_Batch002', text('Do you ship to Lyon?'), inbound({ sender: { channelUserId: '7654321098765432' } })),
    message('m_Batch003', text('Opening hours?'), inbound({ accountId: OTHER_PAGE, sender: { channelUserId: '8765432109876543' }, recipient: { channelUserId: OTHER_PAGE } })),
    status(DeliveryState.READ, '', { watermarkMs: 1717171731000, match: { channelUserId: '8765432109876543', accountId: OTHER_PAGE } }),
  ],
  attachments: [
    message('m_Att001', media(MediaKind.IMAGE, 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo1.jpg?_nc_cat=1&oh=abc'), inbound()),
    message('m_Att001#1', media(MediaKind.IMAGE, 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo2.jpg?_nc_cat=1&oh=def'), inbound()),
    message('m_Att002', media(MediaKind.VIDEO, 'https://video.xx.fbcdn.net/v/t42.3356-2/clip.mp4?_nc_cat=1&oh=ghi'), inbound()),
    message('m_Att003', media(MediaKind.AUDIO, 'https://cdn.fbsbx.com/v/t59.3654-21/audioclip-1717171740.mp4?_nc_cat=1&oh=jkl'), inbound()),
    message('m_Att004', text('Here is my receipt'), inbound()),
    message('m_Att004#1', media(MediaKind.FILE, 'https://cdn.fbsbx.com/v/t59.2708-21/receipt.pdf?_nc_cat=1&oh=mno'), inbound()),
  ],
  sticker: [
    message('m_Stk001', media(MediaKind.STICKER, 'https://scontent.xx.fbcdn.net/v/t39.1997-6/thumbsup.png', { providerMediaId: '369239263222822' }), inbound()),
    message('m_Stk002', media(MediaKind.STICKER, 'https://scontent.xx.fbcdn.net/v/t39.1997-6/heart.png', { providerMediaId: '126361874215276' }), inbound()),
  ],
  location: [message('m_Loc001', { case: 'location', value: { latitude: 48.8566, longitude: 2.3522, name: "Ana's Location" } }, inbound())],
  fallback: [
    message('m_Fbk001', text('look at this one'), inbound()),
    message('m_Fbk001#1', text('Blue jacket - Example Shop\nhttps://shop.example.com/p/42', { urls: ['https://shop.example.com/p/42'] }), inbound()),
  ],
  'quick-reply': [message('m_Qr001', { case: 'quickReply', value: { payload: 'RESERVE_42', text: 'Reserve it' } }, inbound())],
  'reply-to': [message('m_Rpl001', text('Yes, that one'), inbound({ replyToProviderMessageId: 'm_Out456' }))],
  postback: [message('m_Pb001', { case: 'postback', value: { payload: 'TRACK_ORDER', title: 'Track my order' } }, inbound())],
  'postback-get-started-referral': [
    message(`postback:${PAGE_ID}:9876543210987654:1717171810100`, { case: 'postback', value: { payload: 'GET_STARTED', title: 'Get Started' } }, {
      ...inbound({ sender: { channelUserId: '9876543210987654' } }),
      entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'summer-sale' },
    }),
  ],
  'referral-shortlink': [
    message(`referral:${PAGE_ID}:${PSID}:1717171820100`, { case: 'postback', value: { payload: 'order-4521', title: '' } }, {
      ...inbound(),
      entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'order-4521', attributes: { source: 'SHORTLINK', type: 'OPEN_THREAD' } },
    }),
  ],
  'referral-ad': [
    message(`referral:${PAGE_ID}:${PSID}:1717171830100`, { case: 'postback', value: { payload: 'jackets' } }, {
      ...inbound(),
      entryPoint: { source: EntryPoint_Source.AD, ref: 'jackets', adId: '23851234567890123', attributes: { ad_title: 'Winter jackets -30%', source: 'ADS' } },
    }),
  ],
  delivery: [status(DeliveryState.DELIVERED, 'm_Out456', { watermarkMs: 1717171799000, ...receipt() })],
  'delivery-watermark-only': [status(DeliveryState.DELIVERED, '', { watermarkMs: 1717171839000, ...receipt() })],
  read: [status(DeliveryState.READ, '', { watermarkMs: 1717171849000, ...receipt() })],
  // Our own send echoed back: outbound, from the Page to the customer.
  echo: [
    message('m_Out789', text('Size M is available.'), {
      direction: Direction.OUTBOUND,
      isEcho: true,
      accountId: PAGE_ID,
      sender: { channelUserId: PAGE_ID },
      recipient: { channelUserId: PSID },
    }),
  ],
  reactions: [
    message(`reaction:m_Out789:${PSID}:react:1717171870100`, { case: 'reaction', value: { targetProviderMessageId: 'm_Out789', emoji: '❤️', name: 'love', removed: false } }, inbound()),
    message(`reaction:m_Out789:${PSID}:unreact:1717171870900`, { case: 'reaction', value: { targetProviderMessageId: 'm_Out789', emoji: '', removed: true } }, inbound()),
  ],
  // A thread another app owns (handover protocol): still the customer talking.
  standby: [message('m_Sby001', text('Can a human help me?'), inbound())],
  // Kinds Omni does not model: kept as unsupported with the provider's JSON, never dropped.
  optin: [message(synthetic('optin'), unsupported('optin'), inbound())],
  handover: [message(synthetic('pass_thread_control'), unsupported('pass_thread_control'), inbound())],
  'policy-enforcement': [
    message(new RegExp(`^policy-enforcement:${PAGE_ID}:${PAGE_ID}:\\d+:[0-9a-f]{16}$`), unsupported('policy-enforcement'), { accountId: PAGE_ID, sender: { channelUserId: PAGE_ID } }),
  ],
  'message-edit': [message(synthetic('message_edit'), unsupported('message_edit'), inbound())],
  'unknown-kind': [message(synthetic('game_play'), unsupported('game_play'), inbound())],
  'reel-attachment': [message('m_Reel001', unsupported('attachment:ig_reel'), inbound())],
};

const ALL_FIXTURES = [...MODELLED_FIXTURES, ...UNSUPPORTED_FIXTURES] as string[];

describe('Messenger end to end: gateway-messenger + normalizer on real Kafka and PostgreSQL, fake Graph API', () => {
  let stack: MetaStack;

  beforeAll(async () => {
    stack = await startMetaStack('gateway-messenger');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  describe('inbound: every fixture kind, signed like Meta, becomes its canonical events', () => {
    const bodies = new Map(ALL_FIXTURES.map((name) => [name, loadFixture(name)]));
    const answers = new Map<string, Promise<metaGraph.HttpResult>>();
    const rawIds = new Map<string, string>();

    beforeAll(() => {
      // All at once: the gateway and the normalizer handle them side by side; each test waits for its own.
      for (const [name, body] of bodies) {
        const answer = stack.post(body);
        answer.catch(() => undefined); // awaited (and reported) by the fixture's own test
        answers.set(name, answer);
      }
    });

    it('covers every Messenger fixture', () => {
      expect(Object.keys(CANONICAL).sort()).toEqual([...ALL_FIXTURES].sort());
    });

    it.each(Object.entries(CANONICAL))('%s', async (name, expected) => {
      const answer = await answers.get(name)!;
      expect({ fixture: name, status: answer.status, body: answer.body }).toEqual({ fixture: name, status: 200, body: 'EVENT_RECEIVED' });
      // Written as express writes a string, without the ETag no provider reads.
      expect({ type: answer.headers['content-type'], length: answer.headers['content-length'], etag: answer.headers.etag }).toEqual({ type: 'text/plain; charset=utf-8', length: '14', etag: undefined });
      const { raw } = await expectCanonical(stack.tap, name, bodies.get(name)!, Channel.MESSENGER, expected);
      expect(raw.key).toMatch(/^messenger:\d+:\d+$/);
      rawIds.set(name, raw.value.id);
    });

    it('and nothing more: each fixture gave exactly its events, no late extras', () => {
      expectNothingMore(stack.tap, CANONICAL, rawIds);
    });
  });

  it('a provider retry of the same webhook (same bytes, posted twice) gives two raw records and one normalized message', async () => {
    const mid = `m_e2e_retry_${randomUUID()}`;
    const body = Buffer.from(metaGraph.metaJson(metaGraph.messengerWebhook(metaGraph.messengerText({ pageId: PAGE_ID, psid: PSID, mid, text: 'Hola, ¿hay talla M?' }))));
    expect((await stack.post(body)).status).toBe(200);
    expect((await stack.post(body)).status).toBe(200);
    // A later message from the same customer: same raw key, same partition, so once the
    // normalizer has published it, it has handled both copies before it.
    const marker = `m_e2e_retry_marker_${randomUUID()}`;
    expect((await stack.post(metaGraph.messengerWebhook(metaGraph.messengerText({ pageId: PAGE_ID, psid: PSID, mid: marker, text: 'marker' })))).status).toBe(200);
    await stack.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === marker);

    const raws = rawRecordsOf(stack.tap, body);
    expect(raws).toHaveLength(2);
    expect(raws[0]!.value.id).not.toBe(raws[1]!.value.id);
    const normalized = stack.tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === mid);
    expect(normalized).toHaveLength(1);
    expect(normalized[0]!.value.content?.kind).toEqual({ case: 'text', value: expect.objectContaining({ text: 'Hola, ¿hay talla M?' }) });
    expect(raws.map((r) => r.value.id)).toContain(normalized[0]!.value.raw?.rawId);
  });

  it('refuses forged webhooks (401) and malformed ones (400) before Kafka, and a wrong verify token (403)', async () => {
    const forged = metaGraph.messengerWebhook(metaGraph.messengerText({ pageId: PAGE_ID, psid: PSID, mid: `m_e2e_forged_${randomUUID()}`, text: 'forged' }));
    for (const signature of ['wrong-secret', 'tampered', 'missing'] as const) {
      const answer = await stack.post(forged, signature);
      expect({ signature, status: answer.status, type: answer.headers['content-type'] }).toEqual({ signature, status: 401, type: expect.stringContaining('application/problem+json') });
    }
    for (const body of ['{"object":"page","entry":', '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}']) {
      const answer = await stack.post(body);
      expect({ body, status: answer.status, type: answer.headers['content-type'] }).toEqual({ body, status: 400, type: expect.stringContaining('application/problem+json') });
    }
    const handshake = await metaGraph.verifyWebhookSubscription(stack.webhookUrl, { verifyToken: 'not-the-token' });
    expect(handshake.status).toBe(403);
    const ok = await metaGraph.verifyWebhookSubscription(stack.webhookUrl, { verifyToken: TEST_SECRETS.META_VERIFY_TOKEN, challenge: '8675309' });
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: '8675309' });
    expect(stack.tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString().includes('forged'))).toEqual([]);
  });

  describe('outbound: approval → Send API request → sent status + dispatched record', () => {
    const psid = () => `7${digits(15)}`;
    const messengerApproval = (recipient: string, init: Partial<ApprovalInit> & Pick<ApprovalInit, 'content'>) =>
      approval({ channel: Channel.MESSENGER, accountId: PAGE_ID, recipient, messagingType: DeliveryPolicy_MessagingType.RESPONSE, ...init });
    const requestsTo = (recipient: string) => stack.graph.messengerRequests().filter((r) => (r.body as { recipient?: { id?: string } })?.recipient?.id === recipient);

    const cases: Array<[string, (recipient: string) => { init: Partial<ApprovalInit> & Pick<ApprovalInit, 'content'>; bodies: unknown[] }]> = [
      [
        'text inside the window (RESPONSE)',
        (id) => ({
          init: { content: { text: 'Size M is back in stock.' } },
          bodies: [{ recipient: { id }, messaging_type: 'RESPONSE', message: { text: 'Size M is back in stock.' } }],
        }),
      ],
      [
        'text outside the window by a human agent (MESSAGE_TAG + HUMAN_AGENT)',
        (id) => ({
          init: { content: { text: 'Following up on your order.' }, messagingType: DeliveryPolicy_MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT' },
          bodies: [{ recipient: { id }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Following up on your order.' } }],
        }),
      ],
      [
        'quick replies (UPDATE), replying to a message',
        (id) => ({
          init: {
            content: { text: 'Which size?', quickReplies: [{ title: 'Small', payload: 'SIZE_S' }, { title: 'Medium' }] },
            messagingType: DeliveryPolicy_MessagingType.UPDATE,
            replyToProviderMessageId: 'm_AbCdEf123',
          },
          bodies: [
            {
              recipient: { id },
              messaging_type: 'UPDATE',
              message: {
                text: 'Which size?',
                quick_replies: [
                  { content_type: 'text', title: 'Small', payload: 'SIZE_S' },
                  { content_type: 'text', title: 'Medium', payload: 'Medium' },
                ],
                reply_to: { mid: 'm_AbCdEf123' },
              },
            },
          ],
        }),
      ],
      [
        'buttons as a button template',
        (id) => ({
          init: {
            content: {
              text: 'Your order #4521 has shipped.',
              buttons: [
                { kind: Button_Kind.POSTBACK, title: 'Track it', value: 'TRACK_4521' },
                { kind: Button_Kind.URL, title: 'Open shop', value: 'https://shop.example.com/o/4521' },
              ],
            },
          },
          bodies: [
            {
              recipient: { id },
              messaging_type: 'RESPONSE',
              message: {
                attachment: {
                  type: 'template',
                  payload: {
                    template_type: 'button',
                    text: 'Your order #4521 has shipped.',
                    buttons: [
                      { type: 'postback', title: 'Track it', payload: 'TRACK_4521' },
                      { type: 'web_url', title: 'Open shop', url: 'https://shop.example.com/o/4521' },
                    ],
                  },
                },
              },
            },
          ],
        }),
      ],
      [
        'media with a caption: the attachment, then the caption as text (two parts, two sent statuses)',
        (id) => ({
          init: { content: { media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/jacket-blue.jpg', caption: 'The blue one' } } },
          bodies: [
            { recipient: { id }, messaging_type: 'RESPONSE', message: { attachment: { type: 'image', payload: { url: 'https://cdn.example.com/jacket-blue.jpg' } } } },
            { recipient: { id }, messaging_type: 'RESPONSE', message: { text: 'The blue one' } },
          ],
        }),
      ],
    ];

    it.each(cases)('%s', async (_name, build) => {
      const recipient = psid();
      const { init, bodies } = build(recipient);
      const approved = messengerApproval(recipient, init);
      const outboundId = approved.request!.id;
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, outboundId, 'dispatched');

      const requests = requestsTo(recipient);
      expect(requests.map((r) => r.body)).toEqual(bodies);
      for (const r of requests) {
        expect(r).toMatchObject({ method: 'POST', path: '/v24.0/me/messages', query: { access_token: TEST_SECRETS.MESSENGER_PAGE_ACCESS_TOKEN } });
        expect(r.headers['content-type']).toContain('application/json');
        expect(r.response.status).toBe(200);
      }
      const providerIds = requests.map((r) => (r.response.body as { message_id: string }).message_id);

      expect(failed).toEqual([]);
      expect(sent.map((s) => s.value.providerMessageId)).toEqual(providerIds);
      for (const s of sent) {
        expect(s.value).toMatchObject({
          channel: Channel.MESSENGER,
          state: DeliveryState.SENT,
          outboundId,
          conversationId: approved.request!.conversationId,
          channelUserId: recipient,
          accountId: PAGE_ID,
        });
        expect(s.key).toBe(approved.request!.conversationId);
      }
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]!.value).toMatchObject({
        outboundId,
        conversationId: approved.request!.conversationId,
        channel: Channel.MESSENGER,
        providerMessageIds: providerIds,
        attempts: bodies.length,
      });
      expect(dispatched[0]!.key).toBe(approved.request!.conversationId);
    });

    it('outside the window (10/2018278): failed with WINDOW_CLOSED after exactly one attempt', async () => {
      const recipient = psid();
      const approved = messengerApproval(recipient, { content: { text: 'Are you still there?' } });
      stack.graph.failNext(1, metaGraph.GraphErrors.messengerWindowClosed);
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'failed');

      expect(requestsTo(recipient)).toHaveLength(1);
      expect(requestsTo(recipient)[0]!.response.status).toBe(400);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.value).toMatchObject({
        channel: Channel.MESSENGER,
        state: DeliveryState.FAILED,
        outboundId: approved.request!.id,
        conversationId: approved.request!.conversationId,
        providerMessageId: '',
        error: { code: ErrorCode.WINDOW_CLOSED, retryable: false, providerCode: '10/2018278' },
      });
      expect(sent).toEqual([]);
      expect(dispatched).toEqual([]);
    });

    it('rate limited once (code 4): retried with backoff, then one sent status; the fake saw two attempts', async () => {
      const recipient = psid();
      const approved = messengerApproval(recipient, { content: { text: 'Your parcel is on its way.' } });
      stack.graph.failNext(1, metaGraph.GraphErrors.messengerRateLimited);
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'dispatched');

      const requests = requestsTo(recipient);
      expect(requests.map((r) => r.response.status)).toEqual([400, 200]);
      expect(requests[0]!.body).toEqual(requests[1]!.body);
      const providerId = (requests[1]!.response.body as { message_id: string }).message_id;
      expect(failed).toEqual([]);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.value.providerMessageId).toBe(providerId);
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]!.value).toMatchObject({ providerMessageIds: [providerId], attempts: 2 });
    });

    it('a two-part send whose second part is refused: the accepted part is reported sent, then the outbound failed', async () => {
      const recipient = psid();
      const approved = messengerApproval(recipient, { content: { media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/jacket-red.jpg', caption: 'The red one' } } });
      // Refuse the second request (the caption), once the first (the image) has been answered.
      void stack.graph.waitForRequests(stack.graph.requests.length + 1).then(() => stack.graph.failNext(1, metaGraph.GraphErrors.messengerWindowClosed));
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'failed');

      const requests = requestsTo(recipient);
      expect(requests.map((r) => r.response.status)).toEqual([200, 400]);
      expect(sent.map((s) => s.value.providerMessageId)).toEqual([(requests[0]!.response.body as { message_id: string }).message_id]);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.value.error).toMatchObject({ code: ErrorCode.WINDOW_CLOSED });
      expect(dispatched).toEqual([]);
    });

    it('a WhatsApp-style template approved for Messenger cannot be formatted: failed (UNKNOWN), nothing sent', async () => {
      const recipient = psid();
      const approved = messengerApproval(recipient, { content: { template: { name: 'order_update', language: 'en_US', components: [] } } });
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'failed');
      expect(failed[0]!.value).toMatchObject({ state: DeliveryState.FAILED, error: { code: ErrorCode.UNKNOWN, retryable: false, message: expect.stringContaining('cannot format') } });
      expect(requestsTo(recipient)).toEqual([]);
      expect(sent).toEqual([]);
      expect(dispatched).toEqual([]);
    });

    it('a redelivered approval (same ce_id, and a replay under a new ce_id) is sent once', async () => {
      const recipient = psid();
      const approved = messengerApproval(recipient, { content: { text: 'Only once, please.' } });
      const ceId = randomUUID();
      await stack.publishApproved(approved, ceId);
      await stack.publishApproved(approved, ceId);
      await stack.publishApproved(approved);
      // Same conversation = same key = same partition: once the marker is dispatched, the
      // gateway has handled the three copies before it.
      const markerRecipient = psid();
      const marker = messengerApproval(markerRecipient, { content: { text: 'marker' }, conversationId: approved.request!.conversationId });
      await stack.publishApproved(marker);
      await settled(stack.tap, marker.request!.id, 'dispatched');

      expect(requestsTo(recipient)).toHaveLength(1);
      const { sent, failed, dispatched } = sendResults(stack.tap, approved.request!.id);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.value.providerMessageId).toBe((requestsTo(recipient)[0]!.response.body as { message_id: string }).message_id);
      expect(failed).toEqual([]);
      expect(dispatched).toHaveLength(1);
      await waitFor(() => requestsTo(markerRecipient).length === 1, { timeoutMs: 1_000 });
    });
  });
});
