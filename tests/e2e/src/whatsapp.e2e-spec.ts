import { randomUUID } from 'node:crypto';
import { Channel, ConsentState, DeliveryState, Direction, EntryPoint_Source, ErrorCode, MediaKind, Topics } from '@omni/contracts';
import { metaGraph, waitFor } from '@omni/testing';
import { CUSTOMER, loadFixture, MODELLED_FIXTURES, PHONE_NUMBER_ID, UNSUPPORTED_FIXTURES, WABA_ID } from '../../../libs/channels/whatsapp/fixtures';
import { TEST_SECRETS } from './harness';
import {
  approval,
  consent,
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
 * WhatsApp Cloud API end to end on real Kafka and PostgreSQL: gateway-whatsapp and the normalizer
 * run in-process; the only fake is the Graph API, over real HTTP. Inbound: every recorded-style
 * fixture, signed like Meta signs it, must come out of the normalizer as the canonical events of
 * its kind (messages, statuses, consent). Outbound: an approval on omni.outbound.approved.v1 must
 * reach the fake as the exact Cloud API request, and come back as a `sent` status and an
 * omni.outbound.dispatched.v1 record; provider errors as the canonical error, retried only when
 * that helps, waiting out Retry-After.
 *
 * The fixtures' provider ids are dedupe keys in the run's (shared) normalizer database: no other
 * spec of the run should post these fixtures.
 */

const OUT1 = 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAx';
const inbound = (extra: Record<string, unknown> = {}) => ({
  direction: Direction.INBOUND,
  accountId: PHONE_NUMBER_ID,
  sender: { channelUserId: CUSTOMER },
  recipient: { channelUserId: PHONE_NUMBER_ID },
  ...extra,
});
const ana = (extra: Record<string, unknown> = {}) => inbound({ sender: { channelUserId: CUSTOMER, displayName: 'Ana Ruiz' }, ...extra });
const text = (value: string) => ({ case: 'text', value: { text: value } });
const media = (kind: MediaKind, providerMediaId: string, mimeType: string, extra?: Record<string, unknown>) => ({ case: 'media', value: { kind, providerMediaId, mimeType, ...extra } });
const quickReply = (payload: string, value: string) => ({ case: 'quickReply', value: { payload, text: value } });
const unsupported = (providerType: string) => ({ case: 'unsupported', value: { providerType } });
const receipt = (extra: Record<string, unknown> = {}) => ({ match: { channelUserId: CUSTOMER, accountId: PHONE_NUMBER_ID, ...extra } });

/** Every fixture → the canonical events the normalizer must publish for it (kind and key fields). */
const CANONICAL: Record<string, Expected[]> = {
  text: [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBD', text('Hola, ¿mi pedido ya salió?'), ana())],
  'text-escaped-unicode': [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkVTQzAx', text('¿Puedo cambiar la dirección? 🙏 https://tienda.example.mx/pedido/4521'), ana())],
  media: [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAx', media(MediaKind.IMAGE, '1479537139650973', 'image/jpeg', { caption: 'La etiqueta' }), ana()),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAy', media(MediaKind.VIDEO, '2284930395134231', 'video/mp4'), ana()),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAz', media(MediaKind.AUDIO, '915204457318390', 'audio/ogg; codecs=opus'), ana()),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDA0', media(MediaKind.FILE, '1021930402455870', 'application/pdf', { caption: 'Factura', filename: 'factura-4521.pdf' }), ana()),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDA1', media(MediaKind.STICKER, '862145248873530', 'image/webp'), ana()),
  ],
  location: [
    message(
      'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkxPQzAx',
      { case: 'location', value: { latitude: 19.4326, longitude: -99.1332, name: 'Zócalo', address: 'Plaza de la Constitución, Centro, CDMX', url: 'https://maps.example.com/zocalo' } },
      ana(),
    ),
  ],
  // Two people shared in one message: one contact card each.
  contacts: [
    message(
      'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkNPTjAx',
      {
        case: 'contactCard',
        value: {
          formattedName: 'Luis Ortega',
          phones: [{ number: '+52 55 8765 4321', type: 'CELL' }],
          emails: [{ address: 'luis@example.mx', type: 'WORK' }],
          organization: 'Ortega Envíos',
        },
      },
      ana(),
    ),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkNPTjAx#1', { case: 'contactCard', value: { formattedName: 'Marta Díaz', phones: [{ number: '+52 55 1111 2222', type: 'HOME' }] } }, ana()),
  ],
  'interactive-button-reply': [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkJUTjAx', quickReply('RESERVE_42', 'Reservar'), ana({ replyToProviderMessageId: OUT1 }))],
  'interactive-list-reply': [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkxTVDAx', quickReply('STORE_CDMX_SUR', 'CDMX Sur'), ana({ replyToProviderMessageId: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAy' })),
  ],
  // The quick-reply button of a template ("button" message type).
  'template-button-reply': [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlRQTDAx', quickReply('TRACK_4521', 'Rastrear pedido'), ana({ replyToProviderMessageId: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAz' })),
  ],
  reactions: [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJFQTAx', { case: 'reaction', value: { targetProviderMessageId: OUT1, emoji: '👍', removed: false } }, ana()),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJFQTAy', { case: 'reaction', value: { targetProviderMessageId: OUT1, emoji: '', removed: true } }, ana()),
  ],
  'reply-context': [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJQTDAx', text('Sí, ese mismo'), ana({ replyToProviderMessageId: OUT1 }))],
  'referral-ad': [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkFEUzAx', text('Hola, vi su anuncio'), {
      ...ana(),
      entryPoint: {
        source: EntryPoint_Source.AD,
        adId: '120212345678900123',
        attributes: { headline: 'Chamarras -30%', source_url: 'https://fb.me/3cr4Wqqkv', ctwa_clid: expect.stringMatching(/^ARAk/) },
      },
    }),
  ],
  // biz_opaque_callback_data comes back as the outbound id.
  statuses: [
    status(DeliveryState.SENT, OUT1, receipt({ outboundId: 'out-0001' })),
    status(DeliveryState.DELIVERED, OUT1, receipt({ outboundId: 'out-0001' })),
    status(DeliveryState.READ, OUT1, receipt({ outboundId: 'out-0001' })),
  ],
  'status-failed': [
    status(DeliveryState.FAILED, 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEjQ2', receipt({ error: { code: ErrorCode.WINDOW_CLOSED, retryable: false, providerCode: '131047' } })),
  ],
  // A played voice note has been read.
  'status-played': [status(DeliveryState.READ, 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDA5', receipt())],
  // Two WABAs, three numbers: each message and status names its own business number.
  'multi-number': [
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1VTDAx', text('Hola'), ana()),
    message('wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgWTVVMMDI=', text('Is my parcel on its way?'), {
      accountId: '106540352242999',
      sender: { channelUserId: '447700900123', displayName: 'Tom Baker' },
      recipient: { channelUserId: '106540352242999' },
    }),
    message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1VTDAz', text('Otra pregunta'), { accountId: '106540352242999', sender: { channelUserId: CUSTOMER, displayName: 'Ana Ruiz' } }),
    status(DeliveryState.DELIVERED, 'wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSTVVMMDQ=', { match: { channelUserId: '447700900123', accountId: '106540352242777' } }),
  ],
  // Marketing opt-out: a consent event for the consent ledger.
  'user-preferences': [consent(ConsentState.OPTED_OUT, { channelUserId: CUSTOMER, accountId: PHONE_NUMBER_ID, keyword: 'marketing_messages:stop' })],
  // Kinds Omni does not model: kept as unsupported with the provider's JSON, never dropped.
  order: [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk9SRDAx', unsupported('order'), inbound())],
  system: [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlNZUzAx', unsupported('system'), inbound())],
  'unsupported-type': [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlVOUzAx', unsupported('unsupported'), inbound())],
  'interactive-flow-reply': [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk5GTTAx', unsupported('interactive:nfm_reply'), inbound())],
  'value-errors': [
    message(new RegExp(`^errors:${PHONE_NUMBER_ID}:[0-9a-f]{16}$`), unsupported('errors'), { accountId: PHONE_NUMBER_ID, sender: { channelUserId: PHONE_NUMBER_ID } }),
  ],
  'template-status-update': [
    message(new RegExp(`^field:message_template_status_update:${WABA_ID}:[0-9a-f]{16}$`), unsupported('field:message_template_status_update'), {
      accountId: WABA_ID,
      sender: { channelUserId: WABA_ID },
    }),
  ],
  'status-unknown': [message('status:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDEw:deleted', unsupported('status:deleted'), inbound())],
};

const ALL_FIXTURES = [...MODELLED_FIXTURES, ...UNSUPPORTED_FIXTURES] as string[];

describe('WhatsApp end to end: gateway-whatsapp + normalizer on real Kafka and PostgreSQL, fake Graph API', () => {
  let stack: MetaStack;

  beforeAll(async () => {
    stack = await startMetaStack('gateway-whatsapp', { whatsappPhoneNumberIds: [PHONE_NUMBER_ID] });
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

    it('covers every WhatsApp fixture', () => {
      expect(Object.keys(CANONICAL).sort()).toEqual([...ALL_FIXTURES].sort());
    });

    it.each(Object.entries(CANONICAL))('%s', async (name, expected) => {
      const answer = await answers.get(name)!;
      expect({ fixture: name, status: answer.status }).toEqual({ fixture: name, status: 200 });
      const { raw } = await expectCanonical(stack.tap, name, bodies.get(name)!, Channel.WHATSAPP, expected);
      expect(raw.key).toMatch(/^whatsapp:\d+:\d+$/);
      rawIds.set(name, raw.value.id);
    });

    it('and nothing more: each fixture gave exactly its events, no late extras', () => {
      expectNothingMore(stack.tap, CANONICAL, rawIds);
    });
  });

  it('a provider retry of the same webhook (same bytes, posted twice) gives two raw records and one normalized message', async () => {
    const from = `52155${digits(8)}`;
    const number = { wabaId: WABA_ID, phoneNumberId: PHONE_NUMBER_ID };
    const wamid = `wamid.E2E${randomUUID().replace(/-/g, '')}`;
    const body = Buffer.from(metaGraph.metaJson(metaGraph.whatsappWebhook({ number, contacts: [{ waId: from, name: 'Eva' }], messages: [metaGraph.whatsappText({ from, id: wamid, text: '¿Abren el domingo?' })] })));
    expect((await stack.post(body)).status).toBe(200);
    expect((await stack.post(body)).status).toBe(200);
    // A later message from the same customer: same raw key, same partition, so once the
    // normalizer has published it, it has handled both copies before it.
    const marker = `wamid.E2EMARKER${randomUUID().replace(/-/g, '')}`;
    expect((await stack.post(metaGraph.whatsappWebhook({ number, messages: [metaGraph.whatsappText({ from, id: marker, text: 'marker' })] }))).status).toBe(200);
    await stack.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === marker);

    const raws = rawRecordsOf(stack.tap, body);
    expect(raws).toHaveLength(2);
    const normalized = stack.tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === wamid);
    expect(normalized).toHaveLength(1);
    expect(normalized[0]!.value).toMatchObject({ sender: { channelUserId: from, displayName: 'Eva' }, content: { kind: { case: 'text', value: { text: '¿Abren el domingo?' } } } });
    expect(raws.map((r) => r.value.id)).toContain(normalized[0]!.value.raw?.rawId);
  });

  it('refuses forged webhooks (401) and malformed ones (400) before Kafka, and a wrong verify token (403)', async () => {
    const forged = metaGraph.whatsappWebhook({
      number: { wabaId: WABA_ID, phoneNumberId: PHONE_NUMBER_ID },
      messages: [metaGraph.whatsappText({ from: CUSTOMER, id: `wamid.FORGED${digits(10)}`, text: 'forged' })],
    });
    for (const signature of ['wrong-secret', 'tampered', 'missing'] as const) {
      const answer = await stack.post(forged, signature);
      expect({ signature, status: answer.status, type: answer.headers['content-type'] }).toEqual({ signature, status: 401, type: expect.stringContaining('application/problem+json') });
    }
    // The legacy SHA-1 signature alone is not accepted.
    const raw = metaGraph.metaJson(forged);
    const sha1Only = await metaGraph.postSignedWebhook(stack.webhookUrl, raw, {
      appSecret: TEST_SECRETS.META_APP_SECRET,
      signature: 'missing',
      headers: { 'x-hub-signature': metaGraph.legacyMetaSignature(TEST_SECRETS.META_APP_SECRET, raw) },
    });
    expect(sha1Only.status).toBe(401);

    const malformed = [
      '{"object":"whatsapp_business_account","entry":',
      '[]',
      '{"object":"page","entry":[{"id":"1","messaging":[]}]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1"}]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}',
    ];
    for (const body of malformed) {
      const answer = await stack.post(body);
      expect({ body, status: answer.status, type: answer.headers['content-type'] }).toEqual({ body, status: 400, type: expect.stringContaining('application/problem+json') });
      const problem = JSON.parse(answer.body) as { status: number; title: string };
      expect(problem).toMatchObject({ status: 400, title: expect.any(String) });
    }

    const handshake = await metaGraph.verifyWebhookSubscription(stack.webhookUrl, { verifyToken: 'not-the-token' });
    expect(handshake.status).toBe(403);
    const ok = await metaGraph.verifyWebhookSubscription(stack.webhookUrl, { verifyToken: TEST_SECRETS.META_VERIFY_TOKEN, challenge: '8675309' });
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: '8675309' });

    // A valid webhook after the bad ones: once it is on Kafka, anything before it would be too.
    const valid = metaGraph.whatsappWebhook({
      number: { wabaId: WABA_ID, phoneNumberId: PHONE_NUMBER_ID },
      messages: [metaGraph.whatsappText({ from: CUSTOMER, id: `wamid.VALID${digits(10)}`, text: 'valid' })],
    });
    expect((await stack.post(valid)).status).toBe(200);
    await stack.tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === metaGraph.metaJson(valid));
    const leaked = stack.tap.all(Topics.inboundRaw).filter((r) => {
      const body = Buffer.from(r.value.body).toString();
      return body.includes('forged') || malformed.includes(body);
    });
    expect(leaked).toEqual([]);
  });

  describe('outbound: approval → Cloud API request → sent status + dispatched record', () => {
    const customer = () => `52155${digits(8)}`;
    const whatsappApproval = (to: string, init: Partial<ApprovalInit> & Pick<ApprovalInit, 'content'>) =>
      approval({ channel: Channel.WHATSAPP, accountId: PHONE_NUMBER_ID, recipient: to, ...init });
    const requestsTo = (to: string) => stack.graph.whatsappRequests().filter((r) => (r.body as { to?: string })?.to === to);
    const wamidOf = (r: metaGraph.RecordedRequest) => (r.response.body as { messages: Array<{ id: string }> }).messages[0]!.id;
    const envelope = (to: string) => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to });

    const cases: Array<[string, (to: string, outboundId: string) => { init: Partial<ApprovalInit> & Pick<ApprovalInit, 'content'>; body: unknown }]> = [
      [
        'text quoting the customer message (context)',
        (to, outboundId) => ({
          init: { content: { text: 'Tu pedido #4521 ya salió.' }, replyToProviderMessageId: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBD' },
          body: {
            ...envelope(to),
            context: { message_id: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBD' },
            type: 'text',
            text: { body: 'Tu pedido #4521 ya salió.' },
            biz_opaque_callback_data: outboundId,
          },
        }),
      ],
      [
        'quick replies as reply buttons',
        (to, outboundId) => ({
          init: { content: { text: '¿Qué talla?', quickReplies: [{ title: 'Chica', payload: 'SIZE_S' }, { title: 'Mediana', payload: 'SIZE_M' }] } },
          body: {
            ...envelope(to),
            type: 'interactive',
            interactive: {
              type: 'button',
              body: { text: '¿Qué talla?' },
              action: {
                buttons: [
                  { type: 'reply', reply: { id: 'SIZE_S', title: 'Chica' } },
                  { type: 'reply', reply: { id: 'SIZE_M', title: 'Mediana' } },
                ],
              },
            },
            biz_opaque_callback_data: outboundId,
          },
        }),
      ],
      [
        'an approved template with body and quick-reply button parameters',
        (to, outboundId) => ({
          init: {
            content: {
              template: {
                name: 'order_update',
                language: 'es_MX',
                category: 'UTILITY',
                components: [
                  { type: 'body', parameters: [{ type: 'text', value: '#4521' }] },
                  { type: 'button', subType: 'quick_reply', index: 0, parameters: [{ type: 'payload', value: 'TRACK_4521' }] },
                ],
              },
            },
          },
          body: {
            ...envelope(to),
            type: 'template',
            template: {
              name: 'order_update',
              language: { code: 'es_MX' },
              components: [
                { type: 'body', parameters: [{ type: 'text', text: '#4521' }] },
                { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK_4521' }] },
              ],
            },
            biz_opaque_callback_data: outboundId,
          },
        }),
      ],
      [
        'an image by link with its caption',
        (to, outboundId) => ({
          init: { content: { media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.mx/chamarra-azul.jpg', caption: 'La azul' } } },
          body: { ...envelope(to), type: 'image', image: { link: 'https://cdn.example.mx/chamarra-azul.jpg', caption: 'La azul' }, biz_opaque_callback_data: outboundId },
        }),
      ],
    ];

    it.each(cases)('%s', async (_name, build) => {
      const to = customer();
      const outboundId = randomUUID();
      const { init, body } = build(to, outboundId);
      const approved = whatsappApproval(to, { ...init, outboundId });
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, outboundId, 'dispatched');

      const requests = requestsTo(to);
      expect(requests.map((r) => r.body)).toEqual([body]);
      expect(requests[0]).toMatchObject({ method: 'POST', path: `/v24.0/${PHONE_NUMBER_ID}/messages`, response: { status: 200 } });
      expect(requests[0]!.headers.authorization).toBe(`Bearer ${TEST_SECRETS.WHATSAPP_ACCESS_TOKEN}`);
      expect(requests[0]!.headers['content-type']).toContain('application/json');
      const wamid = wamidOf(requests[0]!);

      expect(failed).toEqual([]);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.value).toMatchObject({
        channel: Channel.WHATSAPP,
        state: DeliveryState.SENT,
        providerMessageId: wamid,
        outboundId,
        conversationId: approved.request!.conversationId,
        channelUserId: to,
        accountId: PHONE_NUMBER_ID,
      });
      expect(sent[0]!.key).toBe(approved.request!.conversationId);
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]!.value).toMatchObject({ outboundId, conversationId: approved.request!.conversationId, channel: Channel.WHATSAPP, providerMessageIds: [wamid], attempts: 1 });
    });

    it('a reply in a real conversation: the status webhooks that follow name the same outbound and conversation', async () => {
      const to = customer();
      const number = { wabaId: WABA_ID, phoneNumberId: PHONE_NUMBER_ID };
      const question = `wamid.E2EQ${randomUUID().replace(/-/g, '')}`;
      expect((await stack.post(metaGraph.whatsappWebhook({ number, contacts: [{ waId: to, name: 'Eva' }], messages: [metaGraph.whatsappText({ from: to, id: question, text: '¿Tienen la M?' })] }))).status).toBe(200);
      const asked = await stack.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === question);
      const conversationId = asked.value.conversationId;

      const approved = whatsappApproval(to, { content: { text: 'Sí, la tenemos.' }, conversationId, replyToProviderMessageId: question });
      await stack.publishApproved(approved);
      const { sent } = await settled(stack.tap, approved.request!.id, 'dispatched');
      const [request] = requestsTo(to);
      expect(request!.body).toMatchObject({ context: { message_id: question }, biz_opaque_callback_data: approved.request!.id });
      const wamid = wamidOf(request!);
      expect(sent[0]!.value).toMatchObject({ providerMessageId: wamid, outboundId: approved.request!.id, conversationId });

      // Meta echoes biz_opaque_callback_data on every status of the message.
      const callback = (request!.body as { biz_opaque_callback_data: string }).biz_opaque_callback_data;
      const statuses = ['delivered', 'read'] as const;
      expect(
        (
          await stack.post(
            metaGraph.whatsappWebhook({ number, statuses: statuses.map((s) => metaGraph.whatsappStatus({ id: wamid, status: s, recipientId: to, bizOpaqueCallbackData: callback })) }),
          )
        ).status,
      ).toBe(200);
      for (const [state, name] of [
        [DeliveryState.DELIVERED, 'delivered'],
        [DeliveryState.READ, 'read'],
      ] as const) {
        const receipt = await stack.tap.waitFor(Topics.messageStatus, (s) => s.providerMessageId === wamid && s.state === state && !!s.raw);
        expect({ name, status: receipt.value }).toMatchObject({ name, status: { outboundId: approved.request!.id, conversationId, channelUserId: to, accountId: PHONE_NUMBER_ID } });
        expect(receipt.key).toBe(conversationId);
      }
    });

    it('outside the window (131047): failed with WINDOW_CLOSED after exactly one attempt', async () => {
      const to = customer();
      const approved = whatsappApproval(to, { content: { text: '¿Sigues ahí?' } });
      stack.graph.failNext(1, metaGraph.GraphErrors.whatsappWindowClosed);
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'failed');

      expect(requestsTo(to)).toHaveLength(1);
      expect(requestsTo(to)[0]!.response.status).toBe(400);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.value).toMatchObject({
        channel: Channel.WHATSAPP,
        state: DeliveryState.FAILED,
        outboundId: approved.request!.id,
        conversationId: approved.request!.conversationId,
        providerMessageId: '',
        channelUserId: to,
        error: { code: ErrorCode.WINDOW_CLOSED, retryable: false, providerCode: '131047' },
      });
      expect(sent).toEqual([]);
      expect(dispatched).toEqual([]);
    });

    it('rate limited once (130429 over 429, Retry-After: 1): waits it out, then one sent status; the fake saw two attempts', async () => {
      const to = customer();
      const approved = whatsappApproval(to, { content: { text: 'Tu paquete va en camino.' } });
      stack.graph.failNext(1, { ...metaGraph.GraphErrors.whatsappRateLimited, headers: { 'retry-after': '1' } });
      const before = stack.graph.requests.length;
      const at: number[] = [];
      void stack.graph.waitForRequests(before + 1).then(() => (at[0] = Date.now()));
      void stack.graph.waitForRequests(before + 2).then(() => (at[1] = Date.now()));
      await stack.publishApproved(approved);
      const { sent, failed, dispatched } = await settled(stack.tap, approved.request!.id, 'dispatched');

      const requests = requestsTo(to);
      expect(requests.map((r) => r.response.status)).toEqual([429, 200]);
      expect(requests[0]!.body).toEqual(requests[1]!.body);
      // The gateway's own backoff is 20 ms here: the second attempt waited for Retry-After.
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
      expect(failed).toEqual([]);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.value.providerMessageId).toBe(wamidOf(requests[1]!));
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]!.value).toMatchObject({ providerMessageIds: [wamidOf(requests[1]!)], attempts: 2 });
    });

    it('a redelivered approval (same ce_id, and a replay under a new ce_id) is sent once', async () => {
      const to = customer();
      const approved = whatsappApproval(to, { content: { text: 'Solo una vez.' } });
      const ceId = randomUUID();
      await stack.publishApproved(approved, ceId);
      await stack.publishApproved(approved, ceId);
      await stack.publishApproved(approved);
      // Same conversation = same key = same partition: once the marker is dispatched, the
      // gateway has handled the three copies before it.
      const markerTo = customer();
      const marker = whatsappApproval(markerTo, { content: { text: 'marker' }, conversationId: approved.request!.conversationId });
      await stack.publishApproved(marker);
      await settled(stack.tap, marker.request!.id, 'dispatched');

      expect(requestsTo(to)).toHaveLength(1);
      const { sent, failed, dispatched } = sendResults(stack.tap, approved.request!.id);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.value.providerMessageId).toBe(wamidOf(requestsTo(to)[0]!));
      expect(failed).toEqual([]);
      expect(dispatched).toHaveLength(1);
      await waitFor(() => requestsTo(markerTo).length === 1, { timeoutMs: 1_000 });
    });
  });
});
