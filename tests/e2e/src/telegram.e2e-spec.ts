/**
 * Telegram end to end on the run's real Kafka and PostgreSQL: gateway-telegram and the normalizer
 * in process, the Bot API faked over real HTTP (FakeTelegramBotApi checks the token in the path
 * and validates like Telegram). Updates carry the secret header Telegram sends back after
 * setWebhook; the gateway registers that webhook itself at start-up.
 */
import { randomUUID } from 'node:crypto';
import { Channel, ConsentState, DeliveryState, Direction, ErrorCode, SenderAction, Topics } from '@omni/contracts';
import { KafkaTap, telegramBotApi, testEnv, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';
import { ApprovedPublisher, approvedOutbound, expectProblem } from './xsms-helpers';

const BOT_TOKEN = TEST_SECRETS.TELEGRAM_BOT_TOKEN;
const BOT_ID = BOT_TOKEN.split(':')[0]!;
const SECRET = TEST_SECRETS.TELEGRAM_WEBHOOK_SECRET;
const PUBLIC = 'https://omni.example.test';

describe('Telegram end to end (gateway-telegram + normalizer, real Kafka and PostgreSQL, fake Bot API)', () => {
  let fake: telegramBotApi.FakeTelegramBotApi;
  let omni: Omni;
  let tap: KafkaTap;
  let publisher: ApprovedPublisher;
  /** A user of this run only (chat ids are user ids in private chats), so runs never meet in dedupe. */
  const user = { id: 5_500_000_000 + Math.floor(Math.random() * 99_999_999), first_name: 'Ana', username: 'ana_e2e', language_code: 'pt-br' };
  const chat = String(user.id);
  const webhook = () => `${omni.url('gateway-telegram')}/webhooks/telegram`;

  beforeAll(async () => {
    fake = new telegramBotApi.FakeTelegramBotApi({ botToken: BOT_TOKEN });
    const env = { TELEGRAM_API_BASE_URL: await fake.start(), TELEGRAM_PUBLIC_BASE_URL: PUBLIC, GATEWAY_RETRY_BASE_MS: '20', KAFKA_HANDLER_RETRY_BASE_MS: '20' };
    omni = await startOmni(['gateway-telegram', 'normalizer'], env);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.inboundRaw, Topics.messageNormalized, Topics.messageStatus, Topics.consentChanged, Topics.outboundDispatched]).start();
    publisher = ApprovedPublisher.create(omni.prefix);
  }, 90_000);

  afterAll(async () => {
    await publisher?.close();
    await tap?.stop();
    await omni?.stop();
    await fake?.stop();
  }, 60_000);

  it('registers its webhook with the secret at start-up (setWebhook), without holding webhooks back', async () => {
    await waitFor(() => fake.webhook !== undefined, { description: 'setWebhook at the fake Bot API' });
    expect(fake.webhook).toEqual({ url: `${PUBLIC}/webhooks/telegram`, secret_token: SECRET, allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'] });
    expect(fake.requests.find((r) => r.apiMethod === 'setWebhook')).toMatchObject({ path: `/bot${BOT_TOKEN}/setWebhook`, status: 200 });
  });

  it('takes a text update through Kafka and PostgreSQL into one canonical message, once even when Telegram redelivers it', async () => {
    const update = fake.textUpdate(user, 'Olá! Is my order on its way? 📦');
    const body = JSON.stringify({ update_id: 910_000_001 + Math.floor(Math.random() * 1e6), ...update });
    const post = () => fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200); // Telegram's retry of the same update

    const messageId = (update.message as { message_id: number }).message_id;
    const providerMessageId = `${BOT_ID}:${chat}:${messageId}`;
    const raw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === body);
    expect(raw.key).toBe(`telegram:${BOT_ID}:${chat}`);
    expect(raw.value).toMatchObject({ channel: Channel.TELEGRAM, accountId: BOT_ID, threadKey: chat, webhookPath: '/webhooks/telegram' });
    expect(raw.value.headers['x-telegram-bot-api-secret-token']).toBeUndefined();

    const normalized = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === providerMessageId);
    expect(normalized.value).toMatchObject({
      channel: Channel.TELEGRAM,
      direction: Direction.INBOUND,
      accountId: BOT_ID,
      sender: { channelUserId: chat, displayName: 'Ana', username: 'ana_e2e', locale: 'pt-br' },
      content: { kind: { case: 'text', value: { text: 'Olá! Is my order on its way? 📦' } } },
    });
    expect(normalized.key).toBe(normalized.value.conversationId);
    // Both deliveries were written; the second was recognised by its dedupe key.
    await waitFor(() => tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString() === body).length === 2, { description: 'both deliveries on the raw topic' });
    const sentinel = fake.textUpdate(user, 'second message');
    await fake.deliverUpdate(webhook(), sentinel, SECRET);
    await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === `${BOT_ID}:${chat}:${(sentinel.message as { message_id: number }).message_id}`);
    expect(tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === providerMessageId)).toHaveLength(1);
  });

  it('refuses a missing (401) or wrong (403) secret and a body that is not an update (400), writing nothing to Kafka', async () => {
    const marker = `refused-${randomUUID()}`;
    const update = fake.textUpdate(user, marker);
    expect((await fake.deliverUpdate(webhook(), update)).status).toBe(401);
    expect((await fake.deliverUpdate(webhook(), update, `${SECRET}x`)).status).toBe(403);
    const malformed = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify({ hello: marker }) });
    await expectProblem(malformed, 400);
    // A later, valid update on the same key arrives; nothing of the refused ones before it.
    const after = fake.textUpdate(user, `after ${marker}`);
    await fake.deliverUpdate(webhook(), after, SECRET);
    await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString().includes(`after ${marker}`));
    expect(tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString().includes(`"${marker}`))).toEqual([]);
  });

  it('sends quick replies as an inline keyboard; a pressed button comes back as a quick-reply answer and is answered in the webhook reply', async () => {
    const approved = approvedOutbound({
      channel: Channel.TELEGRAM,
      accountId: BOT_ID,
      recipient: chat,
      content: { text: 'Pick a delivery slot', quickReplies: [{ title: 'Morning', payload: 'SLOT_AM' }, { title: 'Afternoon', payload: 'SLOT_PM' }] },
    });
    await publisher.publish(approved);
    const sent = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
    const request = fake.requests.find((r) => r.apiMethod === 'sendMessage' && r.params.text === 'Pick a delivery slot')!;
    expect(request).toMatchObject({
      path: `/bot${BOT_TOKEN}/sendMessage`,
      headers: { 'content-type': 'application/json' },
      params: { chat_id: chat, text: 'Pick a delivery slot', reply_markup: { inline_keyboard: [[{ text: 'Morning', callback_data: 'SLOT_AM' }], [{ text: 'Afternoon', callback_data: 'SLOT_PM' }]] } },
      status: 200,
    });
    const message = fake.messages.find((m) => m.text === 'Pick a delivery slot')!;
    expect(sent.value).toMatchObject({ channel: Channel.TELEGRAM, state: DeliveryState.SENT, providerMessageId: `${BOT_ID}:${chat}:${message.message_id}` });
    expect((await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id)).value).toMatchObject({ attempts: 1, providerMessageIds: [`${BOT_ID}:${chat}:${message.message_id}`] });

    const press = fake.callbackUpdate(user, message, 'SLOT_PM');
    const reply = await fake.deliverUpdate(webhook(), press, SECRET);
    expect(reply).toMatchObject({ status: 200, contentType: expect.stringMatching(/^application\/json/) });
    const callbackId = (press.callback_query as { id: string }).id;
    expect(JSON.parse(reply.body)).toEqual({ method: 'answerCallbackQuery', callback_query_id: callbackId });
    const answer = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === `${BOT_ID}:cb:${callbackId}`);
    expect(answer.value).toMatchObject({ sender: { channelUserId: chat }, content: { kind: { case: 'quickReply', value: { payload: 'SLOT_PM', text: 'Afternoon' } } } });
  });

  it('shows typing with sendChatAction', async () => {
    const approved = approvedOutbound({ channel: Channel.TELEGRAM, accountId: BOT_ID, recipient: chat, content: { senderAction: SenderAction.TYPING_ON } });
    await publisher.publish(approved);
    await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id);
    expect(fake.requests.filter((r) => r.apiMethod === 'sendChatAction').map((r) => [r.params, r.status])).toEqual([[{ chat_id: chat, action: 'typing' }, 200]]);
  });

  it('waits out flood control (429 retry_after) and sends', async () => {
    const approved = approvedOutbound({ channel: Channel.TELEGRAM, accountId: BOT_ID, recipient: chat, content: { text: 'Flood case: your parcel left the depot' } });
    fake.failNext(1, { kind: 'flood', retryAfterSeconds: 1 });
    await publisher.publish(approved);
    const dispatched = await tap.waitFor(Topics.outboundDispatched, (d) => d.outboundId === approved.request!.id);
    expect(dispatched.value.attempts).toBe(2);
    const attempts = fake.requests.filter((r) => r.apiMethod === 'sendMessage' && r.params.text === 'Flood case: your parcel left the depot');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    // The retry came no earlier than Telegram asked (retry_after: 1 s).
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('fails a send to a user who blocked the bot (403) without retrying, and reads the block as an opt-out', async () => {
    const approved = approvedOutbound({ channel: Channel.TELEGRAM, accountId: BOT_ID, recipient: chat, content: { text: 'Blocked case' } });
    fake.failNext(1, { kind: 'blocked' });
    await publisher.publish(approved);
    const failed = await tap.waitFor(Topics.messageStatus, (s) => s.outboundId === approved.request!.id);
    expect(failed.value).toMatchObject({ state: DeliveryState.FAILED, error: { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, providerCode: '403' } });
    expect(fake.requests.filter((r) => r.params.text === 'Blocked case')).toHaveLength(1);

    const blocked = {
      my_chat_member: {
        chat: { id: user.id, first_name: 'Ana', type: 'private' },
        from: { id: user.id, is_bot: false, first_name: 'Ana' },
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: { id: Number(BOT_ID), is_bot: true, first_name: 'Omni' }, status: 'member' },
        new_chat_member: { user: { id: Number(BOT_ID), is_bot: true, first_name: 'Omni' }, status: 'kicked', until_date: 0 },
      },
    };
    expect((await fake.deliverUpdate(webhook(), blocked, SECRET)).status).toBe(200);
    const consent = await tap.waitFor(Topics.consentChanged, (c) => c.channel === Channel.TELEGRAM && c.channelUserId === chat);
    expect(consent.value).toMatchObject({ accountId: BOT_ID, state: ConsentState.OPTED_OUT, keyword: 'my_chat_member:kicked' });
  });
});
