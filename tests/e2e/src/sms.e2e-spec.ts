/**
 * SMS (Twilio) end to end on the run's real Kafka and PostgreSQL: gateway-sms and the normalizer
 * in process, the Twilio API faked over real HTTP (FakeTwilioApi checks Basic auth and validates
 * like Twilio). Twilio signs TWILIO_PUBLIC_BASE_URL + path + query, not the URL the gateway
 * listens on, so every webhook here is signed over the public URL and posted to the local one.
 */
import { countSegments } from '@omni/channel-sms';
import { Channel, ConsentState, DeliveryState, Direction, ErrorCode, MediaKind, Topics } from '@omni/contracts';
import { KafkaTap, testEnv, twilioApi, waitFor } from '@omni/testing';
import { BUSINESS_NUMBER, CUSTOMER_NUMBER, FIXTURE_NAMES, fixture, webhookPathOf } from '../../../libs/channels/sms/fixtures';
import { startOmni, TEST_SECRETS, type Omni } from './harness';
import { ApprovedPublisher, approvedOutbound, derivedFrom, expectProblem } from './xsms-helpers';

const TOKEN = TEST_SECRETS.TWILIO_AUTH_TOKEN;
const PUBLIC = TEST_SECRETS.TWILIO_PUBLIC_BASE_URL;
const STATUS_CALLBACK = `${PUBLIC}/webhooks/twilio/status`;
const SERVICE_SID = `MG${'5c4b3a29'.repeat(4)}`;

/**
 * Message SIDs made unique per run (first 6 hex digits XOR a salt: a bijection), so no run meets
 * another's messages in the normalizer's dedupe. SIDs inside MediaUrl paths are left alone.
 */
const SALT = 1 + Math.floor(Math.random() * 0xfffffe);
const sid = (value: string) => value.slice(0, 2) + ((parseInt(value.slice(2, 8), 16) ^ SALT) >>> 0).toString(16).padStart(6, '0') + value.slice(8);
const fixtureBody = (name: string) => fixture(name).toString().replace(/(?<==)(SM|MM)[0-9a-f]{32}\b/g, sid);
const pairs = (body: string) => Array.from(new URLSearchParams(body).entries());
const signature = (url: string, body: string, token = TOKEN) => twilioApi.twilioRequestSignature(token, url, pairs(body));

type Expected = { topic: 'message' | 'status' | 'consent'; match: Record<string, unknown> };
const text = (id: string, body: string): Expected => ({
  topic: 'message',
  match: {
    channel: Channel.SMS,
    providerMessageId: sid(id),
    direction: Direction.INBOUND,
    isEcho: false,
    accountId: BUSINESS_NUMBER,
    sender: { channelUserId: CUSTOMER_NUMBER },
    recipient: { channelUserId: BUSINESS_NUMBER },
    content: { kind: { case: 'text', value: { text: body } } },
  },
});
const media = (id: string, part: number, kind: MediaKind, mimeType: string): Expected => ({
  topic: 'message',
  match: {
    channel: Channel.SMS,
    providerMessageId: part ? `${sid(id)}#${part}` : sid(id),
    direction: Direction.INBOUND,
    sender: { channelUserId: CUSTOMER_NUMBER },
    content: { kind: { case: 'media', value: { kind, mimeType, url: expect.stringMatching(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/MM[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/) } } },
  },
});
const consent = (id: string, state: ConsentState, keyword: string): Expected => ({
  topic: 'consent',
  match: { channel: Channel.SMS, providerMessageId: sid(id), channelUserId: CUSTOMER_NUMBER, accountId: BUSINESS_NUMBER, state, keyword, contactId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
});
const status = (id: string, state: DeliveryState, error?: Record<string, unknown>): Expected => ({
  topic: 'status',
  match: { channel: Channel.SMS, providerMessageId: sid(id), state, channelUserId: CUSTOMER_NUMBER, accountId: BUSINESS_NUMBER, ...(error ? { error } : {}) },
});

const OUTBOUND_SID = 'SM9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a';
/** Every fixture → what must come out of the normalizer. */
const CASES: Array<{ name: string; events: Expected[] }> = [
  { name: 'inbound-text', events: [text('SM2f1a9c0d0e5b4c3a8f7e6d5c4b3a2910', 'Is my appointment still on?')] },
  { name: 'inbound-mms-only', events: [media('MM0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d', 0, MediaKind.IMAGE, 'image/png')] },
  {
    name: 'inbound-mms-with-text',
    events: [
      media('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', 0, MediaKind.IMAGE, 'image/jpeg'),
      media('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', 1, MediaKind.VIDEO, 'video/mp4'),
      { topic: 'message', match: { ...text('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', 'Here is the damage').match, providerMessageId: `${sid('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b')}#2` } },
    ],
  },
  { name: 'inbound-messaging-service-unicode', events: [text('SMc16c7d8e9f0a1b2c3d4e5f6a7b8c9d0e', 'Merci beaucoup 🙏 à demain')] },
  // Opt-out / opt-in / help: the keyword message still reaches history, plus a consent event.
  { name: 'inbound-stop', events: [text('SM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f', 'STOP'), consent('SM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f', ConsentState.OPTED_OUT, 'STOP')] },
  {
    name: 'inbound-stop-all-no-advanced-opt-out',
    events: [text('SM8d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a', '  stop   all '), consent('SM8d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a', ConsentState.OPTED_OUT, 'STOP ALL')],
  },
  { name: 'inbound-custom-opt-out-keyword', events: [text('SMb05b6c7d8e9f0a1b2c3d4e5f6a7b8c9d', 'ARRET'), consent('SMb05b6c7d8e9f0a1b2c3d4e5f6a7b8c9d', ConsentState.OPTED_OUT, 'STOP')] },
  { name: 'inbound-start', events: [text('SM9e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b', 'Start'), consent('SM9e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b', ConsentState.OPTED_IN, 'START')] },
  { name: 'inbound-help', events: [text('SMaf4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c', 'help'), consent('SMaf4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c', ConsentState.HELP_REQUESTED, 'HELP')] },
  { name: 'status-queued', events: [status(OUTBOUND_SID, DeliveryState.ACCEPTED)] },
  { name: 'status-sent', events: [status(OUTBOUND_SID, DeliveryState.SENT)] },
  { name: 'status-delivered', events: [status(OUTBOUND_SID, DeliveryState.DELIVERED)] },
  { name: 'status-read', events: [status(OUTBOUND_SID, DeliveryState.READ)] },
  {
    name: 'status-undelivered-30003',
    events: [status(OUTBOUND_SID, DeliveryState.FAILED, { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: true, providerCode: '30003' })],
  },
  { name: 'status-failed-21610', events: [status('SM2f3e4d5c6b7a8998a7b6c5d4e3f2a1b0', DeliveryState.FAILED, { code: ErrorCode.OPTED_OUT, retryable: false, providerCode: '21610' })] },
  { name: 'status-failed-30007', events: [status('SM1e2d3c4b5a69788796a5b4c3d2e1f0a9', DeliveryState.FAILED, { code: ErrorCode.UNKNOWN, retryable: false, providerCode: '30007' })] },
  { name: 'status-canceled', events: [status('SM3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d', DeliveryState.FAILED, { code: ErrorCode.UNKNOWN, providerCode: 'canceled' })] },
];

describe('SMS end to end (gateway-sms + normalizer, real Kafka and PostgreSQL, fake Twilio API)', () => {
  let fake: twilioApi.FakeTwilioApi;
  let omni: Omni;
  let tap: KafkaTap;
  let publisher: ApprovedPublisher;
  let env: Record<string, string>;
  const local = (pathAndQuery: string) => `${omni.url('gateway-sms')}${pathAndQuery}`;
  const postForm = (pathAndQuery: string, body: string, headers: Record<string, string>) =>
    fetch(local(pathAndQuery), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  /** POST exactly these bytes, signed like Twilio over the public URL (or `signedUrl`). */
  const postSigned = (pathAndQuery: string, body: string, signedUrl = `${PUBLIC}${pathAndQuery}`) => postForm(pathAndQuery, body, { 'x-twilio-signature': signature(signedUrl, body) });

  beforeAll(async () => {
    fake = new twilioApi.FakeTwilioApi({ accountSid: TEST_SECRETS.TWILIO_ACCOUNT_SID, authToken: TOKEN });
    env = { TWILIO_API_BASE_URL: await fake.start(), GATEWAY_RETRY_BASE_MS: '20', KAFKA_HANDLER_RETRY_BASE_MS: '20' };
    omni = await startOmni(['gateway-sms', 'normalizer'], env);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.inboundRaw, Topics.messageNormalized, Topics.messageStatus, Topics.consentChanged, Topics.outboundDispatched]).start();
    publisher = ApprovedPublisher.create(omni.prefix);
  }, 90_000);

  afterAll(async () => {
    await publisher?.close();
    await tap?.stop();
    await omni?.stop();
    await fake?.stop();
  }, 60_000);

  describe('webhooks', () => {
    it('has a case for every fixture', () => {
      expect(CASES.map((c) => c.name).sort()).toEqual([...FIXTURE_NAMES]);
    });

    it('turns every fixture (SMS, MMS, keywords, status callbacks with error codes) into its canonical events', async () => {
      const posted: Array<{ rawId: string; rawKey: string; reply: string }> = [];
      for (const c of CASES) {
        const body = fixtureBody(c.name);
        const response = await postSigned(webhookPathOf(c.name), body);
        expect({ fixture: c.name, status: response.status, type: response.headers.get('content-type') }).toEqual({ fixture: c.name, status: 200, type: expect.stringContaining('text/xml') });
        const raw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === body);
        expect(raw.value).toMatchObject({ channel: Channel.SMS, webhookPath: webhookPathOf(c.name), accountId: BUSINESS_NUMBER, threadKey: CUSTOMER_NUMBER });
        posted.push({ rawId: raw.value.id, rawKey: raw.key, reply: await response.text() });
      }
      for (const [i, c] of CASES.entries()) {
        const { rawId, rawKey, reply } = posted[i]!;
        expect(reply).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>'); // never a TwiML auto-reply
        expect(rawKey).toBe(`sms:${BUSINESS_NUMBER}:${CUSTOMER_NUMBER}`);
        const of = (topic: Expected['topic']) => c.events.filter((e) => e.topic === topic).map((e) => e.match);
        const consentIds = c.events.filter((e) => e.topic === 'consent').map((e) => e.match['providerMessageId'] as string);
        const found = await derivedFrom(tap, rawId, { messages: of('message').length, statuses: of('status').length, consents: of('consent').length, consentIds, label: c.name }, 10_000);
        expect({ fixture: c.name, ...found }).toMatchObject({ fixture: c.name, messages: of('message'), statuses: of('status'), consents: of('consent') });
        for (const m of found.messages) expect(m.conversationId).toMatch(/^[0-9a-f-]{36}$/);
      }
      const rawIds = new Set(posted.map((p) => p.rawId));
      const derived = [...tap.all(Topics.messageNormalized), ...tap.all(Topics.messageStatus)].filter((r) => rawIds.has(r.value.raw?.rawId ?? ''));
      expect(derived).toHaveLength(CASES.flatMap((c) => c.events).filter((e) => e.topic !== 'consent').length);
    }, 60_000);

    it('STOP from a phone → omni.consent.changed.v1 OPTED_OUT and the message still on omni.message.normalized.v1; START → OPTED_IN', async () => {
      const phone = '+14155550177';
      const inbound = `${local('/webhooks/twilio/sms')}`;
      const stop = await fake.sendInboundMessage(inbound, { from: phone, to: BUSINESS_NUMBER, body: 'Stop' }, { publicUrl: `${PUBLIC}/webhooks/twilio/sms` });
      expect(stop.status).toBe(200);
      const optedOut = await tap.waitFor(Topics.consentChanged, (c) => c.providerMessageId === stop.messageSid);
      expect(optedOut.value).toMatchObject({ channel: Channel.SMS, channelUserId: phone, accountId: BUSINESS_NUMBER, state: ConsentState.OPTED_OUT, keyword: 'STOP' });
      const stopMessage = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === stop.messageSid);
      expect(stopMessage.value).toMatchObject({ direction: Direction.INBOUND, sender: { channelUserId: phone }, content: { kind: { case: 'text', value: { text: 'Stop' } } } });
      expect(stopMessage.value.contactId).toBe(optedOut.value.contactId);
      expect(optedOut.key).toBe(optedOut.value.contactId);

      const start = await fake.sendInboundMessage(inbound, { from: phone, to: BUSINESS_NUMBER, body: 'START' }, { publicUrl: `${PUBLIC}/webhooks/twilio/sms` });
      expect(start.status).toBe(200);
      const optedIn = await tap.waitFor(Topics.consentChanged, (c) => c.providerMessageId === start.messageSid);
      expect(optedIn.value).toMatchObject({ channelUserId: phone, state: ConsentState.OPTED_IN, keyword: 'START', contactId: optedOut.value.contactId });
      await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === start.messageSid);
    });

    it('verifies the signature over TWILIO_PUBLIC_BASE_URL + path + query as received (repeated query and form params)', async () => {
      const pathAndQuery = '/webhooks/twilio/sms?tenant=acme&tag=zeta&tag=alpha';
      const form = twilioApi.inboundSmsForm(TEST_SECRETS.TWILIO_ACCOUNT_SID, { messageSid: fake.nextSid('SM'), from: CUSTOMER_NUMBER, to: BUSINESS_NUMBER, body: 'query-signed' });
      form.push(['Label', 'zeta'], ['Label', 'alpha']); // a repeated form parameter: each value signed, values sorted
      const body = new URLSearchParams(form).toString();

      // Twilio's own rule, written out: URL + params sorted by name, a repeated name's values sorted.
      expect(signature(`${PUBLIC}${pathAndQuery}`, body)).toBe(
        twilioApi.twilioRequestSignature(TOKEN, `${PUBLIC}${pathAndQuery}`, [...form].sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))),
      );
      const refused = [
        { name: 'signed without the query', url: `${PUBLIC}/webhooks/twilio/sms` },
        { name: 'query re-ordered when signing', url: `${PUBLIC}/webhooks/twilio/sms?tag=alpha&tag=zeta&tenant=acme` },
        { name: 'signed over the gateway’s own URL', url: local(pathAndQuery) },
        { name: 'another public host', url: `https://evil.example.test${pathAndQuery}` },
      ];
      for (const r of refused) {
        const response = await postSigned(pathAndQuery, body, r.url);
        expect({ case: r.name, status: response.status }).toEqual({ case: r.name, status: 403 });
      }
      // Twilio has signed with an explicit default port too; the gateway accepts both forms.
      const withPort = await postSigned(pathAndQuery, body, `${PUBLIC.replace('.test', '.test:443')}${pathAndQuery}`);
      expect(withPort.status).toBe(200);
      const accepted = await postSigned(pathAndQuery, body);
      expect(accepted.status).toBe(200);
      const raws = await waitFor(() => {
        const found = tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString() === body);
        return found.length === 2 ? found : undefined;
      });
      expect(raws.map((r) => r.value.webhookPath)).toEqual(['/webhooks/twilio/sms', '/webhooks/twilio/sms']);
    });

    it('refuses a missing signature (401), a wrong one (403) and malformed forms (400 problem+json), writing nothing to Kafka', async () => {
      const form = twilioApi.inboundSmsForm(TEST_SECRETS.TWILIO_ACCOUNT_SID, { messageSid: fake.nextSid('SM'), from: CUSTOMER_NUMBER, to: BUSINESS_NUMBER, body: 'forged-sms' });
      const body = new URLSearchParams(form).toString();
      const noSid = new URLSearchParams(form.filter(([k]) => !/Sid$/.test(k) || k === 'AccountSid')).toString();
      const noStatus = new URLSearchParams(twilioApi.statusCallbackForm(TEST_SECRETS.TWILIO_ACCOUNT_SID, { messageSid: fake.nextSid('SM'), status: 'sent', from: BUSINESS_NUMBER, to: CUSTOMER_NUMBER }).filter(([k]) => k !== 'MessageStatus' && k !== 'SmsStatus')).toString();
      const sms = '/webhooks/twilio/sms';
      const cases: Array<{ name: string; path: string; body: string; headers: Record<string, string>; status: number }> = [
        { name: 'missing header', path: sms, body, headers: {}, status: 401 },
        { name: 'wrong auth token', path: sms, body, headers: { 'x-twilio-signature': signature(`${PUBLIC}${sms}`, body, 'not-the-token') }, status: 403 },
        { name: 'tampered body', path: sms, body: body.replace('forged-sms', 'FORGED-SMS'), headers: { 'x-twilio-signature': signature(`${PUBLIC}${sms}`, body) }, status: 403 },
        { name: 'no MessageSid', path: sms, body: noSid, headers: { 'x-twilio-signature': signature(`${PUBLIC}${sms}`, noSid) }, status: 400 },
        { name: 'status callback without MessageStatus', path: '/webhooks/twilio/status', body: noStatus, headers: { 'x-twilio-signature': signature(`${PUBLIC}/webhooks/twilio/status`, noStatus) }, status: 400 },
      ];
      for (const c of cases) {
        const response = await postForm(c.path, c.body, c.headers);
        const problem = await expectProblem(response, c.status);
        expect({ case: c.name, detail: typeof problem.detail }).toEqual({ case: c.name, detail: 'string' });
      }
      const marker = fixtureBody('status-sent').replace(/MessageStatus=sent/, 'MessageStatus=sending');
      expect((await postSigned('/webhooks/twilio/status', marker)).status).toBe(200);
      await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === marker);
      const leaked = tap.all(Topics.inboundRaw).filter((r) => {
        const b = Buffer.from(r.value.body).toString();
        return /forged-sms/i.test(b) || b === noSid || b === noStatus;
      });
      expect(leaked).toEqual([]);
    });
  });

  describe('outbound', () => {
    const sms = (body: string, quickReplies: Array<{ title: string; payload: string }> = []) =>
      approvedOutbound({ channel: Channel.SMS, accountId: BUSINESS_NUMBER, recipient: CUSTOMER_NUMBER, content: { text: body, quickReplies } });
    const sendsOf = (prefix: string) => fake.requests.filter((r) => r.method === 'POST' && r.body['Body']?.startsWith(prefix));

    it('sends an approved SMS as the exact Twilio request (quick replies as a numbered list), then SENT with SID and segments, dispatched, and the delivery callback', async () => {
      const approved = sms('Your table for two is booked 🎉 Reply with a number to change it:', [
        { title: 'Change the time', payload: 'CHANGE' },
        { title: 'Cancel the booking', payload: 'CANCEL' },
      ]);
      const expectedBody = 'Your table for two is booked 🎉 Reply with a number to change it:\n1. Change the time\n2. Cancel the booking';
      const segments = countSegments(expectedBody).segments;
      expect(segments).toBe(2); // UCS-2 (emoji): 67 units per part

      await publisher.publish(approved);
      const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
      const [request] = sendsOf('Your table for two');
      expect(request).toMatchObject({
        method: 'POST',
        path: `/2010-04-01/Accounts/${TEST_SECRETS.TWILIO_ACCOUNT_SID}/Messages.json`,
        headers: {
          authorization: `Basic ${Buffer.from(`${TEST_SECRETS.TWILIO_ACCOUNT_SID}:${TOKEN}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        status: 201,
      });
      expect(request!.form).toEqual([
        ['To', CUSTOMER_NUMBER],
        ['From', BUSINESS_NUMBER],
        ['Body', expectedBody],
        ['StatusCallback', STATUS_CALLBACK],
      ]);
      const message = fake.messages.find((m) => m.body === expectedBody)!;
      expect(message.numSegments).toBe(segments);
      expect(sent.value).toMatchObject({
        channel: Channel.SMS,
        state: DeliveryState.SENT,
        providerMessageId: message.sid,
        segments,
        conversationId: approved.request!.conversationId,
        channelUserId: CUSTOMER_NUMBER,
        accountId: BUSINESS_NUMBER,
      });
      const dispatched = await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id);
      expect(dispatched.value).toMatchObject({ channel: Channel.SMS, providerMessageIds: [message.sid], segments, attempts: 1 });

      // Twilio then calls the StatusCallback the message was sent with (signed over that public URL).
      const callback = await fake.deliverStatus(message.sid, 'delivered', { deliverTo: local('/webhooks/twilio/status') });
      expect(callback.status).toBe(200);
      const delivered = await tap.waitFor(Topics.messageStatus, (s) => s.providerMessageId === message.sid && s.state === DeliveryState.DELIVERED);
      expect(delivered.value).toMatchObject({ channel: Channel.SMS, channelUserId: CUSTOMER_NUMBER, accountId: BUSINESS_NUMBER });
    });

    it('fails a send to an opted-out number (21610) as OPTED_OUT, without retrying', async () => {
      const approved = sms('Opted-out case: your order shipped');
      fake.failNext(1, { kind: 'opted-out' });
      await publisher.publish(approved);
      const failed = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
      expect(failed.value).toMatchObject({ state: DeliveryState.FAILED, error: { code: ErrorCode.OPTED_OUT, retryable: false, providerCode: '21610' } });
      expect(sendsOf('Opted-out case').map((r) => [r.status, (r.response as { code: number }).code])).toEqual([[400, 21610]]);
      const later = sms('After the opted-out case');
      await publisher.publish(later);
      await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === later.request!.id);
      expect(tap.all(Topics.outboundDispatched).filter((d) => d.value.outboundId === approved.request!.id)).toEqual([]);
      expect(sendsOf('Opted-out case')).toHaveLength(1);
    });

    it('retries 20429 and 5xx with backoff, then sends', async () => {
      const approved = sms('Retried case: see you at 3pm');
      fake.failNext(1, { kind: 'rate-limited' });
      fake.failNext(1, { kind: 'server-error' });
      await publisher.publish(approved);
      const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
      expect(sendsOf('Retried case').map((r) => r.status)).toEqual([429, 500, 201]);
      expect(sent.value).toMatchObject({ state: DeliveryState.SENT, segments: 1 });
      expect((await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id)).value.attempts).toBe(3);
    });

    it('sends through the Messaging Service when TWILIO_MESSAGING_SERVICE_SID is set', async () => {
      const withService = await startOmni(['gateway-sms'], { ...env, TWILIO_MESSAGING_SERVICE_SID: SERVICE_SID });
      const servicePublisher = ApprovedPublisher.create(withService.prefix);
      const statusTap = await new KafkaTap(testEnv().kafkaBrokers, withService.prefix, [Topics.messageStatus]).start();
      try {
        const approved = sms('Messaging Service case');
        await servicePublisher.publish(approved);
        const sent = await statusTap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
        const [request] = sendsOf('Messaging Service case');
        expect(request!.form).toEqual([
          ['To', CUSTOMER_NUMBER],
          ['MessagingServiceSid', SERVICE_SID],
          ['Body', 'Messaging Service case'],
          ['StatusCallback', STATUS_CALLBACK],
        ]);
        expect(request!.response).toMatchObject({ status: 'accepted', messaging_service_sid: SERVICE_SID, from: null });
        expect(sent.value).toMatchObject({ state: DeliveryState.SENT, providerMessageId: (request!.response as { sid: string }).sid, segments: 1 });
      } finally {
        await statusTap.stop();
        await servicePublisher.close();
        await withService.stop();
      }
    }, 45_000);
  });
});
