/**
 * X (Twitter) DMs end to end on the run's real Kafka and PostgreSQL: gateway-twitter and the
 * normalizer in process, the X API faked over real HTTP (FakeTwitterApi checks OAuth 1.0a).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTwitterAdapter } from '@omni/channel-twitter';
import { BUSINESS_ID, CUSTOMER_ID, FIXTURE_NAMES, fixture } from '../../../libs/channels/twitter/fixtures';
import { Channel, DeliveryState, Direction, EntryPoint_Source, ErrorCode, MediaKind, Topics } from '@omni/contracts';
import { authHeader, KafkaTap, testEnv, twitterApi, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';
import { ApprovedPublisher, approvedOutbound, derivedFrom, expectProblem } from './xsms-helpers';

const SECRET = TEST_SECRETS.TWITTER_CONSUMER_SECRET;
const X_CREDENTIALS = {
  consumerKey: TEST_SECRETS.TWITTER_CONSUMER_KEY,
  consumerSecret: SECRET,
  accessToken: TEST_SECRETS.TWITTER_ACCESS_TOKEN,
  accessTokenSecret: TEST_SECRETS.TWITTER_ACCESS_TOKEN_SECRET,
};
/** A second business account, only used by the pacing test (its own per-user quota window). */
const PACED_ACCOUNT = '3333333333333333333';

const WELCOME = [
  { key: 'summer-sale', text: 'Ask us anything about the summer sale.', quickReplies: [{ title: 'Prices', payload: 'SALE_PRICES' }, { title: 'Delivery times', payload: 'SALE_DELIVERY' }] },
  { key: 'support', text: 'Hi! How can we help?' },
];
/** The configuration after an edit: one text changed, one key added. */
const CHANGED = [{ ...WELCOME[0]!, text: 'The summer sale ends on Sunday.' }, WELCOME[1]!, { key: 'returns', text: 'Returning something? Tell us the order number.' }];
/** Then 'support' edited after someone deleted it at X. */
const EDITED_AFTER_DELETE = [CHANGED[0]!, { key: 'support', text: 'Hello! What can we do for you?' }, CHANGED[2]!];

/**
 * The fixtures' event, media and post ids shifted by a per-run offset, so a run never meets the
 * messages of another even on a shared database (Snowflake times move < 1 s). aaa-text-with-link
 * and xaa-dm-received share one DM id, as when X delivers a DM in both envelopes: the table gives
 * xaa-dm-received an id of its own (XAA_DM_ID), and a separate test posts the shared one.
 */
const ID_OFFSET = BigInt(1 + Math.floor(Math.random() * 999_999));
const uid = (id: string) => String(BigInt(id) + ID_OFFSET);
const SHARED_DM_ID = '2080765901528535096';
const XAA_DM_ID = '2080765901528536000';
function fixtureBody(name: string, { ownIds = true } = {}): string {
  let body = fixture(name).toString();
  if (ownIds && name === 'xaa-dm-received') body = body.replace(SHARED_DM_ID, XAA_DM_ID);
  return body.replace(/\b2080\d{15}\b/g, uid);
}

const sign = (body: string, secret = SECRET) => twitterApi.twitterWebhookSignature(secret, body);

type Expected =
  | { topic: 'message'; match: Record<string, unknown> }
  | { topic: 'status'; match: Record<string, unknown> };

const inbound = (content: Record<string, unknown>, extra: Record<string, unknown> = {}): Expected => ({
  topic: 'message',
  match: { channel: Channel.TWITTER, direction: Direction.INBOUND, isEcho: false, accountId: BUSINESS_ID, sender: { channelUserId: CUSTOMER_ID }, content: { kind: content }, ...extra },
});
const echo = (providerMessageId: string, text: string): Expected => ({
  topic: 'message',
  match: { channel: Channel.TWITTER, providerMessageId, direction: Direction.OUTBOUND, isEcho: true, recipient: { channelUserId: CUSTOMER_ID }, content: { kind: { case: 'text', value: { text } } } },
});
const unsupported = (providerType: string, extra: Record<string, unknown> = {}): Expected => ({
  topic: 'message',
  match: { channel: Channel.TWITTER, accountId: BUSINESS_ID, content: { kind: { case: 'unsupported', value: { providerType } } }, ...extra },
});
const status = (match: Record<string, unknown>): Expected => ({ topic: 'status', match: { channel: Channel.TWITTER, accountId: BUSINESS_ID, channelUserId: CUSTOMER_ID, ...match } });

/** Every fixture kind → what must come out of the normalizer (and the raw record's thread). */
const CASES: Array<{ name: string; thread?: string; events: () => Expected[] }> = [
  {
    name: 'aaa-text-with-link',
    events: () => [
      inbound(
        { case: 'text', value: { text: 'My order page says error: https://t.co/9fK2LmQp1Z', urls: ['https://shop.example.com/orders/88231'] } },
        { providerMessageId: uid(SHARED_DM_ID), sender: { channelUserId: CUSTOMER_ID, displayName: 'Jo Carter', username: 'jo_c' } },
      ),
    ],
  },
  {
    name: 'aaa-photo',
    events: () => [inbound({ case: 'media', value: { kind: MediaKind.IMAGE, caption: 'The box arrived like this', providerMediaId: uid('2080765940000000000') } }, { providerMessageId: uid('2080765950000000001') })],
  },
  { name: 'aaa-video', events: () => [inbound({ case: 'media', value: { kind: MediaKind.VIDEO, mimeType: 'video/mp4', providerMediaId: uid('2080765990000000000') } })] },
  { name: 'aaa-animated-gif', events: () => [inbound({ case: 'media', value: { kind: MediaKind.ANIMATED_GIF, caption: 'thanks!!' } }, { providerMessageId: uid('2080766000000000202') })] },
  { name: 'aaa-quick-reply-response', events: () => [inbound({ case: 'quickReply', value: { payload: 'TRACK_ORDER', text: 'Track my order' } })] },
  {
    name: 'aaa-welcome-message-entry',
    events: () => [
      inbound({ case: 'text', value: { text: 'Hi, I need help with a return' } }, { entryPoint: { source: EntryPoint_Source.WELCOME_MESSAGE, welcomeMessageId: '1077201358826000389' } }),
    ],
  },
  {
    name: 'aaa-post-entry',
    events: () => [inbound({ case: 'text', value: { text: 'Saw your post about the sale' } }, { entryPoint: { source: EntryPoint_Source.POST, attributes: { tweet_id: uid('2080700000000000000') } } })],
  },
  { name: 'aaa-echo', events: () => [echo(uid('2080766400000000606'), 'Your order ships tomorrow.')] },
  { name: 'aaa-typing', events: () => [status({ typing: true, state: DeliveryState.UNSPECIFIED })] },
  // Read after the echo: the READ names our (echoed) DM, which the normalizer now knows.
  { name: 'aaa-read', events: () => [status({ state: DeliveryState.READ, providerMessageId: uid('2080766400000000606'), watermark: expect.anything() })] },
  { name: 'aaa-favorite', thread: BUSINESS_ID, events: () => [unsupported('favorite_events', { sender: { channelUserId: CUSTOMER_ID } })] },
  { name: 'aaa-user-event-revoke', thread: BUSINESS_ID, events: () => [unsupported('user_event.revoke')] },
  {
    name: 'xaa-dm-received',
    events: () => [inbound({ case: 'text', value: { text: 'Where is my order?' } }, { providerMessageId: uid(XAA_DM_ID), sender: { channelUserId: CUSTOMER_ID, displayName: 'Jo', username: 'jo_c' } })],
  },
  { name: 'xaa-dm-sent', events: () => [echo(uid('2080763914820927863'), 'Thanks for the update!')] },
  { name: 'xaa-dm-read', events: () => [status({ state: DeliveryState.READ, providerMessageId: uid('2080763914820927863') })] },
  { name: 'xaa-dm-indicate-typing', events: () => [status({ typing: true, state: DeliveryState.UNSPECIFIED })] },
  // XChat is end-to-end encrypted: kept (never dropped) as unsupported, in both directions.
  { name: 'xaa-chat-received', events: () => [unsupported('chat.received', { direction: Direction.INBOUND, sender: { channelUserId: CUSTOMER_ID } })] },
  { name: 'xaa-chat-sent', events: () => [unsupported('chat.sent', { direction: Direction.OUTBOUND, isEcho: true, recipient: { channelUserId: CUSTOMER_ID } })] },
  { name: 'xaa-oauth-revoke', thread: BUSINESS_ID, events: () => [unsupported('oauth.revoke')] },
];

describe('X DMs end to end (gateway-twitter + normalizer, real Kafka and PostgreSQL, fake X API)', () => {
  let fake: twitterApi.FakeTwitterApi;
  let omni: Omni;
  let tap: KafkaTap;
  let publisher: ApprovedPublisher;
  let env: Record<string, string>;
  const webhook = () => `${omni.url('gateway-twitter')}/webhooks/twitter`;
  const post = (body: string, headers: Record<string, string> = { 'x-twitter-webhooks-signature': sign(body) }) =>
    fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  type WelcomeItem = { key: string; welcomeMessageId: string | null; deepLink: string | null; status: string; error: string | null };
  const welcomeList = async (url: string) => ((await (await fetch(`${url}/welcome-messages`, { headers: await authHeader(['supervisor']) })).json()) as { items: WelcomeItem[] }).items;
  const welcomeWhen = (url: string, ready: (items: WelcomeItem[]) => boolean, description = 'welcome messages registered') =>
    waitFor(
      async () => {
        const items = await welcomeList(url);
        return ready(items) ? items : undefined;
      },
      { timeoutMs: 15_000, description },
    );
  const allRegistered = (items: WelcomeItem[]) => items.every((i) => i.status === 'registered');
  const welcomeRequests = (since: number) => fake.requests.slice(since).filter((r) => r.path.includes('/welcome_messages/'));

  beforeAll(async () => {
    fake = new twitterApi.FakeTwitterApi({ ...X_CREDENTIALS, userId: BUSINESS_ID });
    env = {
      TWITTER_API_BASE_URL: await fake.start(),
      TWITTER_BUSINESS_USER_ID: BUSINESS_ID,
      TWITTER_WELCOME_MESSAGES: JSON.stringify(WELCOME),
      GATEWAY_RETRY_BASE_MS: '20',
      KAFKA_HANDLER_RETRY_BASE_MS: '20',
    };
    omni = await startOmni(['gateway-twitter', 'normalizer'], env);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.inboundRaw, Topics.messageNormalized, Topics.messageStatus, Topics.outboundDispatched]).start();
    publisher = ApprovedPublisher.create(omni.prefix);
    // Registration runs in the background at start-up; the outbound tests script the fake's next answers.
    await welcomeWhen(omni.url('gateway-twitter'), allRegistered);
  }, 90_000);

  afterAll(async () => {
    await publisher?.close();
    await tap?.stop();
    await omni?.stop();
    await fake?.stop();
  }, 60_000);

  describe('webhooks', () => {
    it('answers the CRC with the known HMAC of the consumer secret, and 400 without a token', async () => {
      const response = await fetch(`${webhook()}?crc_token=challenge`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      // base64 HMAC-SHA256('e2e-consumer-secret', 'challenge'); same recipe as docs/channels/protocols.md's vector.
      expect(await response.json()).toEqual({ response_token: 'sha256=cAZGogw6ZLkfJojvuU40tnFGWoTfma3tdH6knCiDUro=' });
      expect(await fake.crc(webhook())).toMatchObject({ status: 200, valid: true }); // a random token, checked independently
      expect((await fetch(webhook())).status).toBe(400);
    });

    it('refuses the CRC signing-oracle forgery: a DM body as crc_token gets no HMAC, and the body posted with a guessed signature is refused', async () => {
      const forged = fixtureBody('xaa-dm-received').replace('Where is my order?', 'crc-oracle-forgery');
      const crc = await fetch(`${webhook()}?crc_token=${encodeURIComponent(forged)}`);
      const crcText = await crc.text();
      // The attack in full: whatever the CRC answered is posted as the body's signature.
      const oracle = crc.status === 200 ? (JSON.parse(crcText) as { response_token: string }).response_token : 'sha256=';
      const attempt = await post(forged, { 'x-twitter-webhooks-signature': oracle });
      expect({ crc: crc.status, forgedPost: attempt.status }).toEqual({ crc: 400, forgedPost: 403 });
      expect(crcText).not.toContain('sha256=');
      const marker = fixtureBody('xaa-dm-indicate-typing').replace('7730155241905520718', '7730155241905520798');
      expect((await post(marker)).status).toBe(200);
      await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === marker);
      expect(tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString().includes('crc-oracle-forgery'))).toEqual([]);
      expect(tap.all(Topics.messageNormalized).filter((m) => JSON.stringify(m.value).includes('crc-oracle-forgery'))).toEqual([]);
    });

    it('has a case for every fixture', () => {
      expect(CASES.map((c) => c.name).sort()).toEqual([...FIXTURE_NAMES]);
    });

    it('turns every fixture kind (AAA and XAA) into its canonical events on omni.message.normalized.v1 / omni.message.status.v1', async () => {
      const posted: Array<{ name: string; rawId: string; rawKey: string }> = [];
      for (const c of CASES) {
        const body = fixtureBody(c.name);
        const response = await post(body);
        expect({ fixture: c.name, status: response.status }).toEqual({ fixture: c.name, status: 200 });
        const raw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === body);
        expect(raw.value).toMatchObject({ channel: Channel.TWITTER, webhookPath: '/webhooks/twitter', accountId: BUSINESS_ID, contentType: 'application/json' });
        posted.push({ name: c.name, rawId: raw.value.id, rawKey: raw.key });
      }
      for (const [i, c] of CASES.entries()) {
        const { rawId, rawKey } = posted[i]!;
        expect({ fixture: c.name, key: rawKey }).toEqual({ fixture: c.name, key: `twitter:${BUSINESS_ID}:${c.thread ?? CUSTOMER_ID}` });
        const expected = c.events();
        const wanted = { messages: expected.filter((e) => e.topic === 'message').length, statuses: expected.filter((e) => e.topic === 'status').length, consents: 0 };
        const found = await derivedFrom(tap, rawId, { ...wanted, label: c.name }, 10_000);
        expect({ fixture: c.name, messages: found.messages, statuses: found.statuses }).toMatchObject({
          fixture: c.name,
          messages: expected.filter((e) => e.topic === 'message').map((e) => e.match),
          statuses: expected.filter((e) => e.topic === 'status').map((e) => e.match),
        });
        for (const m of found.messages) expect(m.conversationId).toMatch(/^[0-9a-f-]{36}$/);
      }
      // Nothing extra arrived for any of them (e.g. a duplicate from a redelivery, or a DLQ retry).
      const rawIds = new Set(posted.map((p) => p.rawId));
      const total = CASES.reduce((n, c) => n + c.events().length, 0);
      const all = [...tap.all(Topics.messageNormalized).map((r) => r.value.raw?.rawId), ...tap.all(Topics.messageStatus).map((r) => r.value.raw?.rawId)];
      expect(all.filter((id) => rawIds.has(id ?? ''))).toHaveLength(total);
    }, 60_000);

    it('stores a DM delivered in both envelopes (AAA, then XAA with the same event id) once', async () => {
      const duplicate = fixtureBody('xaa-dm-received', { ownIds: false });
      expect(duplicate).toContain(uid(SHARED_DM_ID));
      expect((await post(duplicate)).status).toBe(200);
      const raw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === duplicate);
      // Same partition (same thread key), so once a later record is normalized the duplicate was handled.
      const marker = fixtureBody('aaa-typing').replace('1784928295000', '1784928295123');
      expect((await post(marker)).status).toBe(200);
      const markerRaw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === marker);
      expect(markerRaw.key).toBe(raw.key);
      await derivedFrom(tap, markerRaw.value.id, { messages: 0, statuses: 1, consents: 0, label: 'marker' });
      expect(tap.all(Topics.messageNormalized).filter((m) => m.value.raw?.rawId === raw.value.id)).toEqual([]);
      expect(tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === uid(SHARED_DM_ID))).toHaveLength(1);
    });

    it('refuses missing or malformed signatures (401), wrong ones (403) and malformed bodies (400), writing nothing to Kafka', async () => {
      const body = fixtureBody('xaa-dm-received').replace('Where is my order?', 'forged-x-body');
      const cases: Array<{ name: string; body: string; headers: Record<string, string>; status: number }> = [
        { name: 'missing header', body, headers: {}, status: 401 },
        { name: 'hex instead of sha256=base64', body, headers: { 'x-twitter-webhooks-signature': 'a1b2c3' }, status: 401 },
        { name: 'wrong secret', body, headers: { 'x-twitter-webhooks-signature': sign(body, 'not-the-secret') }, status: 403 },
        { name: 'tampered body', body: body.replace('forged-x-body', 'FORGED-X-BODY'), headers: { 'x-twitter-webhooks-signature': sign(body) }, status: 403 },
        { name: 'not JSON', body: '{"for_user_id":', headers: { 'x-twitter-webhooks-signature': sign('{"for_user_id":') }, status: 400 },
        { name: 'a Meta body', body: '{"object":"page","entry":[]}', headers: { 'x-twitter-webhooks-signature': sign('{"object":"page","entry":[]}') }, status: 400 },
        {
          name: 'DM events not an array',
          body: `{"for_user_id":"${BUSINESS_ID}","direct_message_events":{"id":"1"}}`,
          headers: { 'x-twitter-webhooks-signature': sign(`{"for_user_id":"${BUSINESS_ID}","direct_message_events":{"id":"1"}}`) },
          status: 400,
        },
      ];
      for (const c of cases) {
        const response = await post(c.body, c.headers);
        const problem = await expectProblem(response, c.status);
        expect({ case: c.name, detail: typeof problem.detail }).toEqual({ case: c.name, detail: 'string' });
      }
      const marker = fixtureBody('xaa-dm-indicate-typing').replace('7730155241905520718', '7730155241905520799');
      expect((await post(marker)).status).toBe(200);
      await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === marker);
      const leaked = tap.all(Topics.inboundRaw).map((r) => Buffer.from(r.value.body).toString()).filter((b) => /forged-x-body|"object":"page"|^\{"for_user_id":$|"direct_message_events":\{/i.test(b));
      expect(leaked).toEqual([]);
    });
  });

  describe('outbound', () => {
    const dm = (text: string, quickReplies: Array<{ title: string; payload: string }> = [], accountId = BUSINESS_ID) =>
      approvedOutbound({ channel: Channel.TWITTER, accountId, recipient: CUSTOMER_ID, content: { text, quickReplies } });
    const sendsOf = (text: string) => fake.requests.filter((r) => r.path === `/2/dm_conversations/with/${CUSTOMER_ID}/messages` && (r.body as { text?: string })?.text?.startsWith(text));

    it('sends an approved DM as the exact X v2 request (quick replies as a numbered list), then publishes SENT and dispatched', async () => {
      const approved = dm('Which size would you like?', [
        { title: 'Small', payload: 'SIZE_S' },
        { title: 'Large', payload: 'SIZE_L' },
      ]);
      await publisher.publish(approved);
      const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
      const [request] = sendsOf('Which size would you like?');
      expect(request).toMatchObject({
        method: 'POST',
        path: `/2/dm_conversations/with/${CUSTOMER_ID}/messages`,
        headers: { 'content-type': 'application/json' },
        body: { text: 'Which size would you like?\n1. Small\n2. Large' },
        oauth: { oauth_consumer_key: TEST_SECRETS.TWITTER_CONSUMER_KEY, oauth_token: TEST_SECRETS.TWITTER_ACCESS_TOKEN, oauth_signature_method: 'HMAC-SHA1', oauth_version: '1.0' },
        status: 201, // the fake verified the OAuth 1.0a signature
      });
      expect(JSON.parse(request!.rawBody)).toEqual({ text: 'Which size would you like?\n1. Small\n2. Large' });
      const eventId = (request!.response as { data: { dm_event_id: string } }).data.dm_event_id;
      expect(sent.value).toMatchObject({
        channel: Channel.TWITTER,
        state: DeliveryState.SENT,
        providerMessageId: eventId,
        conversationId: approved.request!.conversationId,
        channelUserId: CUSTOMER_ID,
        accountId: BUSINESS_ID,
      });
      expect(sent.key).toBe(approved.request!.conversationId);
      const dispatched = await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id);
      expect(dispatched.value).toMatchObject({ channel: Channel.TWITTER, providerMessageIds: [eventId], attempts: 1, conversationId: approved.request!.conversationId });
    });

    it("fails a DM to a user who does not accept DMs (403) as RECIPIENT_UNAVAILABLE, without retrying", async () => {
      const approved = dm('Can we DM you? (403 case)');
      fake.failNext(1, { kind: 'cannot-dm' });
      await publisher.publish(approved);
      const failed = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
      expect(failed.value).toMatchObject({ state: DeliveryState.FAILED, error: { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, providerCode: '403' } });
      expect(sendsOf('Can we DM you?').map((r) => r.status)).toEqual([403]);
      // The outbox publishes in order: once a later send is dispatched, a dispatched record for the failed one would be there too.
      const later = dm('After the 403 case');
      await publisher.publish(later);
      await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === later.request!.id);
      expect(tap.all(Topics.outboundDispatched).filter((d) => d.value.outboundId === approved.request!.id)).toEqual([]);
    });

    it('waits out a 429 until x-rate-limit-reset, retries and sends', async () => {
      const approved = dm('Rate limited, then sent');
      const resetAt = Math.ceil(Date.now() / 1000) + 1;
      fake.failNext(1, { kind: 'rate-limit', resetAt });
      await publisher.publish(approved);
      const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id, 20_000);
      const attempts = sendsOf('Rate limited, then sent');
      expect(attempts.map((r) => r.status)).toEqual([429, 201]);
      expect(attempts[1]!.receivedAt).toBeGreaterThanOrEqual(resetAt * 1000 - 50); // deferred to the reset, not the 20 ms backoff
      expect(sent.value).toMatchObject({ state: DeliveryState.SENT, providerMessageId: (attempts[1]!.response as { data: { dm_event_id: string } }).data.dm_event_id });
      const dispatched = await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id);
      expect(dispatched.value.attempts).toBe(2);
    }, 30_000);

    it('defers a send when the account used up its 15 DMs / 15 min (send_log in PostgreSQL), instead of failing', async () => {
      // 15 sends by PACED_ACCOUNT, the oldest 15 min − 2 s ago: room opens in about 2 s.
      const client = new Client({ connectionString: omni.databaseUrl });
      await client.connect();
      const oldest = Date.now() - 15 * 60_000 + 2_000;
      try {
        for (let i = 0; i < 15; i++) await client.query('INSERT INTO gateway_twitter.send_log (account_id, sent_at) VALUES ($1, $2)', [PACED_ACCOUNT, new Date(oldest + i * 10)]);
      } finally {
        await client.end();
      }
      const approved = dm('Paced by the DM quota', [], PACED_ACCOUNT);
      await publisher.publish(approved);
      const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id, 20_000);
      expect(sent.value.state).toBe(DeliveryState.SENT);
      const [request] = sendsOf('Paced by the DM quota');
      expect(request!.status).toBe(201); // never a 429: the gateway waited
      expect(request!.receivedAt).toBeGreaterThanOrEqual(oldest + 15 * 60_000 - 50);
      const metrics = await (await fetch(`${omni.url('gateway-twitter')}/metrics`)).text();
      expect(metrics).toMatch(/omni_outbound_deferred_total\{[^}]*channel="twitter"[^}]*\} [1-9]/);
    }, 30_000);
  });

  describe('welcome messages per entry point', () => {
    /**
     * Another (or a restarted) instance of the same gateway: the same database, so the same
     * gateway_twitter schema, and the same topics and consumer group.
     */
    const replica = (overrides: Record<string, string> = {}) => ({ ...env, DATABASE_URL: omni.databaseUrl, OMNI_TOPIC_PREFIX: omni.prefix, ...overrides });

    it('registers each configured message at start-up and lists key, id and deep link on GET /welcome-messages (OpenAPI-documented)', async () => {
      const items = await welcomeList(omni.url('gateway-twitter'));
      const stored = fake.welcomeMessages();
      expect(items.map((i) => [i.key, i.status])).toEqual([
        ['summer-sale', 'registered'],
        ['support', 'registered'],
      ]);
      for (const item of items) {
        const atX = stored.find((w) => w.id === item.welcomeMessageId);
        expect(atX).toMatchObject({ name: item.key, message_data: { text: WELCOME.find((w) => w.key === item.key)!.text } });
        expect(item.deepLink).toBe(`https://x.com/messages/compose?recipient_id=${BUSINESS_ID}&welcome_message_id=${item.welcomeMessageId}`);
      }
      expect(stored.find((w) => w.name === 'summer-sale')!.message_data['quick_reply']).toEqual({
        type: 'options',
        options: [
          { label: 'Prices', metadata: 'SALE_PRICES' },
          { label: 'Delivery times', metadata: 'SALE_DELIVERY' },
        ],
      });
      const openapi = (await (await fetch(`${omni.url('gateway-twitter')}/docs/openapi.json`)).json()) as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
      expect(openapi.paths['/welcome-messages']?.get?.responses?.['200']).toBeDefined();
    });

    it('is idempotent across restarts: unchanged content → no X call; changed text → update in place (same id); new key → created', async () => {
      const before = await welcomeList(omni.url('gateway-twitter'));
      const idOf = (items: WelcomeItem[], key: string) => items.find((i) => i.key === key)!.welcomeMessageId;

      let mark = fake.requests.length;
      const same = await startOmni(['gateway-twitter'], replica());
      try {
        const items = await welcomeWhen(same.url('gateway-twitter'), allRegistered);
        expect(items.map((i) => [i.key, i.welcomeMessageId])).toEqual(before.map((i) => [i.key, i.welcomeMessageId]));
        expect(welcomeRequests(mark)).toEqual([]);
      } finally {
        await same.stop();
      }

      mark = fake.requests.length;
      const changed = await startOmni(['gateway-twitter'], replica({ TWITTER_WELCOME_MESSAGES: JSON.stringify(CHANGED) }));
      try {
        const items = await welcomeWhen(changed.url('gateway-twitter'), allRegistered);
        expect(idOf(items, 'summer-sale')).toBe(idOf(before, 'summer-sale'));
        expect(idOf(items, 'support')).toBe(idOf(before, 'support'));
        expect(welcomeRequests(mark).map((r) => [r.method, r.path, r.query['id'] ?? null, r.status])).toEqual([
          ['PUT', '/1.1/direct_messages/welcome_messages/update.json', idOf(before, 'summer-sale'), 200],
          ['POST', '/1.1/direct_messages/welcome_messages/new.json', null, 200],
        ]);
        expect(fake.welcomeMessages().find((w) => w.id === idOf(before, 'summer-sale'))!.message_data['text']).toBe('The summer sale ends on Sunday.');
        expect(fake.welcomeMessages().find((w) => w.id === idOf(items, 'returns'))).toMatchObject({ name: 'returns' });
      } finally {
        await changed.stop();
      }
    }, 45_000);

    it('creates a welcome message again when the one to update was deleted at X (404)', async () => {
      const before = await welcomeList(omni.url('gateway-twitter'));
      const oldId = before.find((i) => i.key === 'support')!.welcomeMessageId!;
      // Someone deletes it in X's tools (an OAuth-signed v1.1 destroy, as X's own clients make it).
      const adapter = createTwitterAdapter({ ...X_CREDENTIALS, apiBaseUrl: fake.baseUrl });
      const destroy = adapter.toHttp({ method: 'DELETE', path: '/1.1/direct_messages/welcome_messages/destroy.json', query: { id: oldId }, purpose: 'destroy' }, { now: new Date(), nonce: randomUUID() });
      expect((await fetch(`${fake.baseUrl}${destroy.pathAndQuery}`, { method: destroy.method, headers: destroy.headers })).status).toBe(204);

      const mark = fake.requests.length;
      const edited = await startOmni(['gateway-twitter'], replica({ TWITTER_WELCOME_MESSAGES: JSON.stringify(EDITED_AFTER_DELETE) }));
      try {
        const items = await welcomeWhen(edited.url('gateway-twitter'), allRegistered);
        const newId = items.find((i) => i.key === 'support')!.welcomeMessageId!;
        expect(newId).not.toBe(oldId);
        expect(welcomeRequests(mark).map((r) => [r.method, r.path.split('/').pop(), r.status])).toEqual([
          ['PUT', 'update.json', 404],
          ['POST', 'new.json', 200],
        ]);
        expect(items.find((i) => i.key === 'support')!.deepLink).toBe(`https://x.com/messages/compose?recipient_id=${BUSINESS_ID}&welcome_message_id=${newId}`);
        expect(fake.welcomeMessages().find((w) => w.id === newId)).toMatchObject({ name: 'support', message_data: { text: 'Hello! What can we do for you?' } });
        const metrics = await (await fetch(`${edited.url('gateway-twitter')}/metrics`)).text();
        expect(metrics).toMatch(/omni_twitter_welcome_messages_total\{[^}]*outcome="recreated"[^}]*\} 1/);
      } finally {
        await edited.stop();
      }
    }, 45_000);

    it('still starts and serves webhooks when X refuses the registration (logged, counted, listed as failed)', async () => {
      // What the previous tests left registered (unchanged here), plus a new key X will refuse.
      const config = [...EDITED_AFTER_DELETE, { key: 'black-friday', text: 'Black Friday deals inside.' }];
      fake.failNext(10, { kind: 'unavailable' });
      const degraded = await startOmni(['gateway-twitter'], replica({ TWITTER_WELCOME_MESSAGES: JSON.stringify(config) }));
      try {
        const url = degraded.url('gateway-twitter');
        const items = await welcomeWhen(url, (list) => list.find((i) => i.key === 'black-friday')?.status === 'failed', 'black-friday to fail');
        expect(items.find((i) => i.key === 'black-friday')).toMatchObject({ welcomeMessageId: null, deepLink: null, error: expect.stringContaining('X is over capacity') });
        // The others were registered before (same content), so they are still listed with their links.
        expect(items.filter((i) => i.key !== 'black-friday').map((i) => [i.key, i.status, !!i.deepLink])).toEqual([
          ['summer-sale', 'registered', true],
          ['support', 'registered', true],
          ['returns', 'registered', true],
        ]);
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/omni_twitter_welcome_messages_total\{[^}]*outcome="failed"[^}]*\} 1/);
        expect((await fetch(`${url}/health/ready`)).status).toBe(200);
        const body = fixtureBody('aaa-typing').replace('1784928295000', '1784928295999');
        const accepted = await fetch(`${url}/webhooks/twitter`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign(body) }, body });
        expect(accepted.status).toBe(200);
        expect(await fake.crc(`${url}/webhooks/twitter`)).toMatchObject({ valid: true });
      } finally {
        fake.clearFailures();
        await degraded.stop();
      }
    }, 45_000);
  });
});
