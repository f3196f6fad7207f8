/**
 * window-policy end to end: real webhooks in through the gateways and the normalizer, decisions on
 * real Kafka and PostgreSQL, and out through the gateways to the fake providers over real HTTP.
 * Old customer messages are backdated the way providers date them (the webhook's own timestamp),
 * so no clock is faked here: 25 hours ago is 25 hours ago for every service.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  Alternative_Kind,
  Channel,
  ConsentState,
  ContactErasedSchema,
  create,
  DeliveryPolicy_MessagingType,
  MessagePurpose,
  OutboundRequestedSchema,
  RejectionReason,
  Topics,
  type MessageInitShape,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { authHeader, KafkaTap, metaGraph, testEnv, twilioApi, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const HOUR = 3_600_000;
const PAGE_ID = '104857600000001';
const WABA = { wabaId: '102290129340398', phoneNumberId: '106540352242922' };
const BUSINESS_NUMBER = '+14155550100';
const HELP_TEXT = 'Omni Shop: reply STOP to opt out, START to opt back in. Help: shop.example.com/help';
const TEMPLATES = [
  { name: 'delivery_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: ['text', 'date_time'] }] },
];
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

describe('window-policy end to end (gateways, normalizer, fake Graph API and Twilio)', () => {
  let graph: metaGraph.FakeMetaGraph;
  let twilio: twilioApi.FakeTwilioApi;
  let omni: Omni;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let db: Client;

  beforeAll(async () => {
    graph = new metaGraph.FakeMetaGraph({ messengerPageAccessToken: TEST_SECRETS.MESSENGER_PAGE_ACCESS_TOKEN, whatsappAccessToken: TEST_SECRETS.WHATSAPP_ACCESS_TOKEN });
    twilio = new twilioApi.FakeTwilioApi({ accountSid: TEST_SECRETS.TWILIO_ACCOUNT_SID, authToken: TEST_SECRETS.TWILIO_AUTH_TOKEN });
    const env = {
      META_GRAPH_API_BASE_URL: await graph.start(),
      TWILIO_API_BASE_URL: await twilio.start(),
      WINDOW_POLICY_TEMPLATES: JSON.stringify(TEMPLATES),
      WINDOW_POLICY_SMS_HELP_TEXT: HELP_TEXT,
      GATEWAY_RETRY_BASE_MS: '20',
      KAFKA_HANDLER_RETRY_BASE_MS: '20',
    };
    omni = await startOmni(['gateway-messenger', 'gateway-whatsapp', 'gateway-sms', 'normalizer', 'window-policy'], env);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [
      Topics.messageNormalized,
      Topics.consentChanged,
      Topics.outboundApproved,
      Topics.outboundRejected,
      Topics.outboundDispatched,
      Topics.notificationRefused,
    ]).start();
    connection = new KafkaConnection({ brokers: testEnv().kafkaBrokers, service: 'e2e', topicPrefix: omni.prefix }, createLogger({ service: 'e2e', level: 'silent' }));
    publisher = new EventPublisher(connection);
    db = new Client({ connectionString: omni.databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await connection?.close();
    await tap?.stop();
    await omni?.stop();
    await graph?.stop();
    await twilio?.stop();
  }, 60_000);

  /** window-policy has applied the customer's message (the gate reads its own tables only). */
  const windowRecorded = (channel: Channel, userId: string) =>
    waitFor(async () => (await db.query(`SELECT 1 FROM window_policy.channel_windows WHERE channel = $1 AND channel_user_id = $2 AND last_inbound_at IS NOT NULL`, [channel, userId])).rowCount === 1, {
      timeoutMs: 30_000,
      description: 'window recorded',
    });
  const consentRecorded = (userId: string, state: string) =>
    waitFor(async () => (await db.query(`SELECT 1 FROM window_policy.consents WHERE channel = $1 AND channel_user_id = $2 AND state = $3`, [Channel.SMS, userId, state])).rowCount === 1, {
      timeoutMs: 30_000,
      description: `consent ${state}`,
    });
  const request = async (init: MessageInitShape<typeof OutboundRequestedSchema>) => {
    const outbound = create(OutboundRequestedSchema, { id: randomUUID(), purpose: MessagePurpose.CONVERSATIONAL, ...init });
    await publisher.publish(Topics.outboundRequested, outbound.conversationId, outbound, { id: outbound.id });
    return outbound;
  };
  const crm = () => authHeader(['crm']);
  const notify = async (body: unknown) => {
    const response = await fetch(`${omni.url('window-policy')}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await crm()) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const sms = (from: string, body: string, messageSid?: string) =>
    twilio.sendInboundMessage(`${omni.url('gateway-sms')}/webhooks/twilio/sms`, { from, to: BUSINESS_NUMBER, body, messageSid }, { publicUrl: `${TEST_SECRETS.TWILIO_PUBLIC_BASE_URL}/webhooks/twilio/sms` });

  it('the notifications API needs a crm or supervisor token, and names the bad field of a bad body', async () => {
    const url = `${omni.url('window-policy')}/notifications`;
    const post = async (headers: Record<string, string>, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const valid = { contactId: randomUUID(), purpose: 'transactional', content: { text: 'hi' } };
    expect((await post({}, valid)).status).toBe(401);
    expect((await post(await authHeader(['agent'], { agentId: 'agent-ana' }), valid)).status).toBe(403);
    expect((await post(await authHeader(['supervisor']), valid)).status).toBe(404); // allowed, but nobody knows this contact
    const bad = await post(await crm(), { ...valid, purpose: 'spam' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['purpose']);
  });

  describe('Messenger, 25 hours after the customer’s last message', () => {
    const psid = digits(16);
    const phone = `+1415559${digits(4)}`;
    let conversationId = '';
    let contactId = '';

    beforeAll(async () => {
      // The CRM says the Messenger user and this phone number are one customer, who also texted us.
      const link = await fetch(`${omni.url('normalizer')}/contacts/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await crm()) },
        body: JSON.stringify({ customerId: `crm-${randomUUID()}`, identities: [{ channel: 'messenger', id: psid }], phones: [phone] }),
      });
      expect(link.status).toBe(200);
      expect((await sms(phone, 'Thanks for the update')).status).toBe(200);
      await windowRecorded(Channel.SMS, phone);
      const mid = `m_wp_${randomUUID()}`;
      const webhook = metaGraph.messengerWebhook(metaGraph.messengerText({ pageId: PAGE_ID, psid, text: 'Where is my parcel?', mid, timestamp: Date.now() - 25 * HOUR }));
      expect((await metaGraph.postSignedWebhook(`${omni.url('gateway-messenger')}/webhooks/messenger`, webhook, { appSecret: TEST_SECRETS.META_APP_SECRET })).status).toBe(200);
      const normalized = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid);
      ({ conversationId, contactId } = normalized.value);
      await windowRecorded(Channel.MESSENGER, psid);
    }, 60_000);

    it('an agent’s reply goes out tagged HUMAN_AGENT', async () => {
      const reply = await request({ conversationId, channel: Channel.MESSENGER, accountId: PAGE_ID, recipient: { channelUserId: psid }, authorId: 'agent-ana', authorIsHuman: true, content: { text: 'It left the warehouse this morning.' }, contactId });
      const approved = await tap.waitFor(Topics.outboundApproved, (a) => a.request?.id === reply.id);
      expect(approved.value.policy).toMatchObject({ messagingType: DeliveryPolicy_MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT', reasons: [{ rule: 'messenger-human-agent' }] });
      await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === reply.id);
      const sent = graph.requests.filter((r) => r.api === 'messenger' && (r.body as { recipient?: { id?: string } }).recipient?.id === psid);
      expect(sent.map((r) => r.body)).toEqual([
        expect.objectContaining({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: expect.objectContaining({ text: 'It left the warehouse this morning.' }) }),
      ]);
    });

    it('a bot’s message is rejected with the reason and what would work instead, and never reaches Meta', async () => {
      const bot = await request({ conversationId, channel: Channel.MESSENGER, accountId: PAGE_ID, recipient: { channelUserId: psid }, authorId: 'bot:router', authorIsHuman: false, content: { text: 'Anything else?' }, contactId });
      const rejected = await tap.waitFor(Topics.outboundRejected, (r) => r.request?.id === bot.id);
      expect(rejected.value).toMatchObject({ reason: RejectionReason.WINDOW_CLOSED, reasons: [{ rule: 'messenger-window-closed' }] });
      expect(rejected.value.rejectedAt).toBeDefined();
      expect(rejected.value.alternatives.map((a) => ({ kind: a.kind, channel: a.channel, recipientId: a.recipientId, tag: a.tag }))).toEqual([
        { kind: Alternative_Kind.USE_TAG, channel: Channel.MESSENGER, recipientId: psid, tag: 'HUMAN_AGENT' },
        // The seed case: follow the Messenger chat up by SMS, to the number the contact texted from.
        { kind: Alternative_Kind.OTHER_CHANNEL, channel: Channel.SMS, recipientId: phone, tag: '' },
        { kind: Alternative_Kind.EMAIL_FOLLOW_UP, channel: Channel.UNSPECIFIED, recipientId: contactId, tag: '' },
      ]);
      expect(graph.requests.filter((r) => JSON.stringify(r.body).includes('Anything else?'))).toEqual([]);
    });
  });

  it('a proactive delivery update to a contact whose WhatsApp window closed goes out as the configured template', async () => {
    const waId = `5215${digits(8)}`;
    const wamid = `wamid.WP${randomUUID().replace(/-/g, '')}`;
    const webhook = metaGraph.whatsappWebhook({ number: WABA, contacts: [{ waId, name: 'Ana' }], messages: [metaGraph.whatsappText({ from: waId, id: wamid, text: 'Hola', timestamp: Date.now() - 30 * HOUR })] });
    expect((await metaGraph.postSignedWebhook(`${omni.url('gateway-whatsapp')}/webhooks/whatsapp`, webhook, { appSecret: TEST_SECRETS.META_APP_SECRET })).status).toBe(200);
    const { contactId } = (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid)).value;
    await windowRecorded(Channel.WHATSAPP, waId);

    const { status, body } = await notify({
      contactId,
      purpose: 'transactional',
      content: { text: 'Your order #4521 arrives today between 14:00 and 16:00.' },
      templates: [{ channel: 'whatsapp', name: 'delivery_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', value: '#4521' }, { type: 'date_time', value: 'today 14:00-16:00' }] }] }],
    });
    expect({ status, outcome: body.outcome, channel: body.channel, template: body.template }).toEqual({ status: 200, outcome: 'approved', channel: 'whatsapp', template: 'delivery_update' });
    await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === body.outboundId);
    const sent = graph.requests.filter((r) => r.api === 'whatsapp' && (r.body as { to?: string }).to === waId);
    expect(sent.map((r) => r.body)).toEqual([
      expect.objectContaining({
        type: 'template',
        template: { name: 'delivery_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '#4521' }, { type: 'date_time', date_time: { fallback_value: 'today 14:00-16:00' } }] }] },
      }),
    ]);
  });

  it('a proactive update to a contact who opted out of SMS is refused, with a reason per channel', async () => {
    const phone = `+1415555${digits(4)}`;
    expect((await sms(phone, 'STOP')).status).toBe(200);
    const { contactId } = (await tap.waitFor(Topics.consentChanged, (c) => c.channelUserId === phone && c.state === ConsentState.OPTED_OUT)).value;
    await consentRecorded(phone, 'opted_out');

    const { status, body } = await notify({ contactId, purpose: 'transactional', content: { text: 'Your appointment is tomorrow at 10:00.' }, channels: ['sms', 'whatsapp'] });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      outcome: 'refused',
      refusals: [
        { channel: 'sms', reason: 'OPTED_OUT', reasons: [{ rule: 'opted-out' }] },
        { channel: 'whatsapp', reason: 'RECIPIENT_UNREACHABLE', reasons: [{ rule: 'no-recipient' }] },
      ],
    });
    const refused = await tap.waitFor(Topics.notificationRefused, (r) => r.request?.contactId === contactId);
    expect(refused.value.refusals.map((r) => [r.channel, r.reason])).toEqual([
      [Channel.SMS, RejectionReason.OPTED_OUT],
      [Channel.WHATSAPP, RejectionReason.RECIPIENT_UNREACHABLE],
    ]);
    expect(twilio.messages.filter((m) => m.to === phone)).toEqual([]);
  });

  it('SMS from real webhooks: STOP blocks, START allows again, HELP is answered once', async () => {
    const phone = `+1415556${digits(4)}`;
    const send = (text: string) => request({ conversationId: randomUUID(), channel: Channel.SMS, accountId: BUSINESS_NUMBER, recipient: { channelUserId: phone }, authorId: 'agent-ana', authorIsHuman: true, content: { text } });

    expect((await sms(phone, 'STOP')).status).toBe(200);
    await consentRecorded(phone, 'opted_out');
    const blocked = await send('Are you still there?');
    expect((await tap.waitFor(Topics.outboundRejected, (r) => r.request?.id === blocked.id)).value).toMatchObject({ reason: RejectionReason.OPTED_OUT, reasons: [{ rule: 'opted-out' }] });

    expect((await sms(phone, 'START')).status).toBe(200);
    await consentRecorded(phone, 'opted_in');
    const allowed = await send('Welcome back!');
    expect((await tap.waitFor(Topics.outboundApproved, (a) => a.request?.id === allowed.id)).value.policy?.reasons.map((r) => r.rule)).toEqual(['sms-consent']);
    await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === allowed.id);

    // HELP, delivered twice by Twilio (same MessageSid): one consent event, one answer.
    const helpSid = twilio.nextSid('SM');
    expect((await sms(phone, 'HELP', helpSid)).status).toBe(200);
    expect((await sms(phone, 'HELP', helpSid)).status).toBe(200);
    await waitFor(() => twilio.messages.some((m) => m.to === phone && m.body === HELP_TEXT), { timeoutMs: 30_000, description: 'help text sent' });
    // Anything sent after the answer would come after a second answer too: then count.
    const marker = await send('marker');
    await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === marker.id);
    expect(twilio.messages.filter((m) => m.to === phone).map((m) => m.body)).toEqual(['Welcome back!', HELP_TEXT, 'marker']);
  });

  it('omni.contact.erased.v1 drops the contact’s windows and data but keeps a bare SMS opt-out, which still blocks', async () => {
    const phone = `+1415557${digits(4)}`;
    expect((await sms(phone, 'STOP')).status).toBe(200);
    const { contactId } = (await tap.waitFor(Topics.consentChanged, (c) => c.channelUserId === phone && c.state === ConsentState.OPTED_OUT)).value;
    await consentRecorded(phone, 'opted_out');
    await windowRecorded(Channel.SMS, phone);

    const erased = create(ContactErasedSchema, { id: randomUUID(), contactId, requestedBy: 'crm:e2e' });
    await publisher.publish(Topics.contactErased, contactId, erased, { id: erased.id });
    await waitFor(async () => (await db.query(`SELECT 1 FROM window_policy.channel_windows WHERE contact_id = $1 UNION ALL SELECT 1 FROM window_policy.contacts WHERE contact_id = $1`, [contactId])).rowCount === 0, {
      timeoutMs: 30_000,
      description: 'contact erased',
    });
    const consent = await db.query(`SELECT state, contact_id, keyword FROM window_policy.consents WHERE channel = $1 AND channel_user_id = $2`, [Channel.SMS, phone]);
    expect(consent.rows).toEqual([{ state: 'opted_out', contact_id: null, keyword: null }]);

    const after = await request({ conversationId: randomUUID(), channel: Channel.SMS, accountId: BUSINESS_NUMBER, recipient: { channelUserId: phone }, authorId: 'agent-ana', authorIsHuman: true, content: { text: 'Hello again' } });
    expect((await tap.waitFor(Topics.outboundRejected, (r) => r.request?.id === after.id)).value.reason).toBe(RejectionReason.OPTED_OUT);
  });

  describe('what providers tell us', () => {
    it('a WhatsApp 131047 closes the window until the customer writes again', async () => {
      const waId = `5215${digits(8)}`;
      const post = (body: unknown) => metaGraph.postSignedWebhook(`${omni.url('gateway-whatsapp')}/webhooks/whatsapp`, body, { appSecret: TEST_SECRETS.META_APP_SECRET });
      const wamid = `wamid.WP${randomUUID().replace(/-/g, '')}`;
      expect((await post(metaGraph.whatsappWebhook({ number: WABA, contacts: [{ waId, name: 'Ana' }], messages: [metaGraph.whatsappText({ from: waId, id: wamid, text: 'Hola', timestamp: Date.now() - 2 * HOUR })] }))).status).toBe(200);
      const { conversationId } = (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid)).value;
      await windowRecorded(Channel.WHATSAPP, waId);
      expect((await post(metaGraph.whatsappWebhook({ number: WABA, statuses: [metaGraph.whatsappStatus({ id: `wamid.OUT${digits(10)}`, status: 'failed', recipientId: waId })] }))).status).toBe(200);
      await waitFor(async () => (await db.query(`SELECT 1 FROM window_policy.channel_windows WHERE channel = $1 AND channel_user_id = $2 AND closed_by_provider_at IS NOT NULL`, [Channel.WHATSAPP, waId])).rowCount === 1, {
        timeoutMs: 30_000,
        description: '131047 recorded',
      });
      const reply = await request({ conversationId, channel: Channel.WHATSAPP, accountId: WABA.phoneNumberId, recipient: { channelUserId: waId }, authorId: 'agent-ana', authorIsHuman: true, content: { text: 'Still there?' } });
      const rejected = await tap.waitFor(Topics.outboundRejected, (r) => r.request?.id === reply.id);
      expect(rejected.value.reasons.map((r) => r.rule)).toEqual(['whatsapp-template-required', 'window-closed-by-provider']);
      expect(rejected.value.alternatives[0]).toMatchObject({ kind: Alternative_Kind.USE_TEMPLATE, templateName: 'delivery_update', recipientId: waId });
    });

    it('a Twilio 21610 status marks the number opted out', async () => {
      const phone = `+1415558${digits(4)}`;
      const callback = `${TEST_SECRETS.TWILIO_PUBLIC_BASE_URL}/webhooks/twilio/status`;
      const sid = twilio.nextSid('SM');
      expect((await twilio.sendStatusCallback(`${omni.url('gateway-sms')}/webhooks/twilio/status`, { messageSid: sid, status: 'failed', from: BUSINESS_NUMBER, to: phone, errorCode: 21610 }, { publicUrl: callback })).status).toBe(200);
      await consentRecorded(phone, 'opted_out');
      const after = await request({ conversationId: randomUUID(), channel: Channel.SMS, accountId: BUSINESS_NUMBER, recipient: { channelUserId: phone }, authorId: 'agent-ana', authorIsHuman: true, content: { text: 'Hi' } });
      expect((await tap.waitFor(Topics.outboundRejected, (r) => r.request?.id === after.id)).value.reason).toBe(RejectionReason.OPTED_OUT);
    });

    it('a Click-to-Messenger ad referral keeps the thread open for days, also for bots', async () => {
      const psid = digits(16);
      const webhook = metaGraph.messengerWebhook(metaGraph.messengerReferral({ pageId: PAGE_ID, psid, ref: 'jackets', adId: '23851234567890123', timestamp: Date.now() - 3 * 24 * HOUR }));
      expect((await metaGraph.postSignedWebhook(`${omni.url('gateway-messenger')}/webhooks/messenger`, webhook, { appSecret: TEST_SECRETS.META_APP_SECRET })).status).toBe(200);
      await windowRecorded(Channel.MESSENGER, psid);
      const bot = await request({ conversationId: randomUUID(), channel: Channel.MESSENGER, accountId: PAGE_ID, recipient: { channelUserId: psid }, authorId: 'bot:router', authorIsHuman: false, content: { text: 'Which size?' } });
      const approved = await tap.waitFor(Topics.outboundApproved, (a) => a.request?.id === bot.id);
      expect(approved.value.policy).toMatchObject({ messagingType: DeliveryPolicy_MessagingType.RESPONSE, reasons: [{ rule: 'messenger-ad-referral' }] });
    });
  });
});
