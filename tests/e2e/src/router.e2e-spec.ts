/**
 * The router end to end: Messenger webhooks in through the gateway and the normalizer, routing
 * documents, bots and replay on real Kafka and PostgreSQL. Times are the webhook's own timestamps
 * (the router judges business hours at the time the customer wrote), so no clock is faked.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { Channel, ConversationResolvedSchema, create, timestampFromDate, Topics, type ConversationRouted } from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { authHeader, KafkaTap, metaGraph, testEnv, testToken, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const PAGE_ID = '104857600000001';
const DOCUMENT = `
version: 1
name: e2e routing
evaluation: first-match
default_queue: support
queues:
  support:
    skills: [support]
    languages: [en, fr]
    first_response_target_seconds: 300
    in_hours_message: "Thanks! We usually answer within {first_response}."
  vip: { skills: [vip], first_response_target_seconds: 60 }
  orders-en: { languages: [en], skills: [orders] }
  french: { languages: [fr], skills: [support-fr] }
  billing: { skills: [billing] }
  escalations: { skills: [retention] }
  concierge:
    hours:
      timezone: Europe/Paris
      weekly: { mon: ["09:00-18:00"], tue: ["09:00-18:00"], wed: ["09:00-18:00"], thu: ["09:00-18:00"], fri: ["09:00-18:00"], sat: ["09:00-18:00"], sun: ["09:00-18:00"] }
    away_message: "Our concierge team is closed. We are back {next_opening}."
welcomes:
  - id: billing-link
    entry_point: { source: [deep_link], ref: [billing] }
    text: "Welcome to Omni Shop billing!"
    bot: billing
  - id: winter-ad
    entry_point: { source: [ad], ad_id: ["120210000000001"] }
    text: "Hi! Looking for the winter sale? Pick one:"
    quick_replies: [{ title: Coats, payload: SALE_COATS }, { title: Boots, payload: SALE_BOOTS }]
bots:
  billing:
    questions:
      - key: topic
        text: What is your question about?
        options:
          - { title: Invoice, payload: invoice, synonyms: [bill, facture] }
          - { title: Refund, payload: refund, synonyms: [money back, remboursement] }
      - key: order_number
        text: What is your order number?
        pattern: "(\\\\d{4,10})"
    retry_text: Sorry, I did not get that.
    done_text: Thanks, a billing specialist takes it from here.
rules:
  - id: vip
    when: { contact: { tier: [vip] } }
    then: { queue: vip, priority: 100, tags: [vip] }
  - id: unhappy-repeat
    description: unhappy repeat customer
    when: { sentiment: [negative], repeat_within_days: 7 }
    then: { queue: escalations, priority: 90, escalate: true, tags: [unhappy-repeat] }
  - id: billing-answers
    when: { bot_answers: { topic: [invoice, refund] } }
    then: { queue: billing, add_skills: [invoices] }
  - id: concierge
    when: { keywords: [concierge] }
    then: { queue: concierge }
  - id: orders
    when: { intent: [order_status] }
    then: { queue: orders-en }
    continue: true
  - id: french
    when: { language: [fr] }
    then: { queue: french }
`;

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const rules = (r: ConversationRouted) => r.reasons.map((x) => x.rule);
const exec = promisify(execFile);

describe('router end to end (Messenger gateway, normalizer, Kafka, PostgreSQL)', () => {
  let graph: metaGraph.FakeMetaGraph;
  let omni: Omni;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let db: Client;
  let dir: string;
  let documentFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omni-router-e2e-'));
    documentFile = join(dir, 'routing.yaml');
    writeFileSync(documentFile, DOCUMENT);
    graph = new metaGraph.FakeMetaGraph({ messengerPageAccessToken: TEST_SECRETS.MESSENGER_PAGE_ACCESS_TOKEN, whatsappAccessToken: TEST_SECRETS.WHATSAPP_ACCESS_TOKEN });
    omni = await startOmni(['gateway-messenger', 'normalizer', 'router'], { META_GRAPH_API_BASE_URL: await graph.start(), ROUTER_DOCUMENT_FILE: documentFile, KAFKA_HANDLER_RETRY_BASE_MS: '20' });
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.messageNormalized, Topics.conversationRouted, Topics.outboundRequested]).start();
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
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const post = async (item: { pageId: string; item: Record<string, unknown> }) => {
    const response = await metaGraph.postSignedWebhook(`${omni.url('gateway-messenger')}/webhooks/messenger`, metaGraph.messengerWebhook(item), { appSecret: TEST_SECRETS.META_APP_SECRET });
    expect(response.status).toBe(200);
  };
  /** A customer text; resolves with its normalized message. */
  const say = async (psid: string, text: string, extra: { timestamp?: number; referralRef?: string } = {}) => {
    const mid = `m_rt_${randomUUID()}`;
    const built = metaGraph.messengerText({ pageId: PAGE_ID, psid, text, mid, timestamp: extra.timestamp });
    if (extra.referralRef) (built.item.message as Record<string, unknown>).referral = { ref: extra.referralRef, source: 'SHORTLINK', type: 'OPEN_THREAD' };
    await post(built);
    return (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid)).value;
  };
  const routed = (conversationId: string, predicate: (r: ConversationRouted) => boolean = () => true) =>
    tap.waitFor(Topics.conversationRouted, (r) => r.conversationId === conversationId && predicate(r)).then((r) => r.value);
  const botTexts = (conversationId: string) =>
    tap
      .all(Topics.outboundRequested)
      .filter((o) => o.value.conversationId === conversationId && o.value.authorId === 'bot:router')
      .map((o) => ({ text: o.value.content?.text, quickReplies: o.value.content?.quickReplies.map((q) => q.payload) ?? [] }));
  const waitForBotTexts = async (conversationId: string, count: number) => {
    await waitFor(() => botTexts(conversationId).length >= count, { timeoutMs: 30_000, description: `${count} bot message(s)` });
    return botTexts(conversationId);
  };
  const supervisor = () => authHeader(['supervisor'], { sub: 'sup-lea' });
  const api = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await fetch(`${omni.url('router')}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(headers ?? (await supervisor())) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, unknown> };
  };
  const resolve = async (conversationId: string, contactId: string) => {
    const resolved = create(ConversationResolvedSchema, { id: randomUUID(), conversationId, contactId, channel: Channel.MESSENGER, resolvedAt: timestampFromDate(new Date()), resolution: 'solved' });
    await publisher.publish(Topics.conversationResolved, conversationId, resolved, { id: resolved.id });
    await waitFor(async () => (await db.query(`SELECT 1 FROM router.routed_conversations WHERE conversation_id = $1 AND closed_at IS NOT NULL`, [conversationId])).rowCount === 1, {
      timeoutMs: 30_000,
      description: 'router closed the conversation',
    });
  };

  it('a VIP contact goes to the VIP queue with top priority, with customer_ref', async () => {
    const psid = digits(16);
    const customerId = `crm-${randomUUID()}`;
    const crm = await authHeader(['crm']);
    const link = await fetch(`${omni.url('normalizer')}/contacts/link`, { method: 'POST', headers: { 'content-type': 'application/json', ...crm }, body: JSON.stringify({ customerId, identities: [{ channel: 'messenger', id: psid }] }) });
    expect(link.status).toBe(200);
    const contactId = ((await link.json()) as { contact: { id: string } }).contact.id;
    const patch = await fetch(`${omni.url('normalizer')}/contacts/${contactId}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...crm }, body: JSON.stringify({ tier: 'vip' }) });
    expect(patch.status).toBe(200);

    const message = await say(psid, 'Hello, I need help with my account settings please');
    const decision = await routed(message.conversationId);
    expect(decision).toMatchObject({ queue: 'vip', priority: 100, requiredSkills: ['vip'], tags: ['vip'], tier: 'vip', firstResponseTargetSeconds: 60, policyVersion: 'document-1', contactId });
    expect(rules(decision)).toEqual(['rule:vip']);
    // CRM ids and phone come from the message's contact profile, as the normalizer filled it.
    expect(decision.customerRef).toMatchObject({ contactId, channel: Channel.MESSENGER, channelUserId: psid, accountId: PAGE_ID, crmCustomerIds: message.contact?.crmCustomerIds ?? [] });
  });

  it('a French message goes to the French-speaking queue; the English-only candidate is filtered out with the reason', async () => {
    const message = await say(digits(16), 'Bonjour, où est ma commande ? Le colis n’est toujours pas arrivé chez moi.');
    expect(message.language).toBe('fr');
    const decision = await routed(message.conversationId);
    expect(decision).toMatchObject({ queue: 'french', requiredSkills: ['support-fr'], language: 'fr', intent: 'order_status' });
    expect(rules(decision)).toEqual(['rule:orders', 'rule:french', 'queue-filtered:orders-en']);
    expect(decision.reasons[2].detail).toBe('does not speak "fr" (speaks en)');
  });

  it('a message at 22:00 local time gets the away message naming the next opening', async () => {
    const paris = DateTime.now().setZone('Europe/Paris');
    let at = paris.set({ hour: 22, minute: 0, second: 0, millisecond: 0 });
    if (at > paris) at = at.minus({ days: 1 });
    const message = await say(digits(16), 'Hello, could the concierge help me book a table for tonight?', { timestamp: at.toMillis() });
    const decision = await routed(message.conversationId);
    expect(decision).toMatchObject({ queue: 'concierge', inHours: false });
    expect(rules(decision)).toEqual(['rule:concierge', 'out-of-hours']);
    const [away] = await waitForBotTexts(message.conversationId, 1);
    const opening = at.plus({ days: 1 }).set({ hour: 9 });
    expect(away.text).toContain('Our concierge team is closed. We are back ');
    expect(away.text).toContain(opening.setLocale('en').toFormat('cccc, LLLL d'));
    expect(away.text).toContain('09:00');
  });

  it('inside hours the customer is told the expected response time', async () => {
    const message = await say(digits(16), 'Hello there, I have a question about your return policy for shoes');
    const decision = await routed(message.conversationId);
    expect(decision).toMatchObject({ queue: 'support', inHours: true, firstResponseTargetSeconds: 300 });
    expect(await waitForBotTexts(message.conversationId, 1)).toEqual([{ text: 'Thanks! We usually answer within 5 minutes.', quickReplies: [] }]);
  });

  it('a billing deep link gets its welcome and bot flow; free-text answers are matched and reach the routed event', async () => {
    const psid = digits(16);
    const mid = `m_rt_${randomUUID()}`;
    await post(metaGraph.messengerPostback({ pageId: PAGE_ID, psid, title: 'Get Started', payload: 'GET_STARTED', ref: 'billing', mid }));
    const start = (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid)).value;
    expect(await waitForBotTexts(start.conversationId, 2)).toEqual([
      { text: 'Welcome to Omni Shop billing!', quickReplies: [] },
      { text: 'What is your question about?', quickReplies: ['invoice', 'refund'] },
    ]);
    // The flow's state is in PostgreSQL (it survives a restart), not in memory.
    const session = await db.query(`SELECT flow, step FROM router.bot_sessions WHERE conversation_id = $1`, [start.conversationId]);
    expect(session.rows).toEqual([{ flow: 'billing', step: 0 }]);

    await say(psid, 'Something is wrong with my bill');
    expect((await waitForBotTexts(start.conversationId, 3))[2]).toEqual({ text: 'What is your order number?', quickReplies: [] });
    await say(psid, 'no idea');
    expect((await waitForBotTexts(start.conversationId, 5)).slice(3)).toEqual([
      { text: 'Sorry, I did not get that.', quickReplies: [] },
      { text: 'What is your order number?', quickReplies: [] },
    ]);
    await say(psid, 'Sure, it is order 458812');
    const decision = await routed(start.conversationId);
    expect(decision).toMatchObject({ queue: 'billing', requiredSkills: ['billing', 'invoices'], botFlow: 'billing', handoffContext: { topic: 'invoice', order_number: '458812' } });
    expect(rules(decision)).toEqual(['bot:billing', 'rule:billing-answers']);
    expect((await waitForBotTexts(start.conversationId, 6))[5].text).toBe('Thanks, a billing specialist takes it from here.');
    expect((await db.query(`SELECT 1 FROM router.bot_sessions WHERE conversation_id = $1`, [start.conversationId])).rowCount).toBe(0);
  });

  it('an ad entry gets its own greeting, with quick replies, and no bot', async () => {
    const psid = digits(16);
    await post(metaGraph.messengerReferral({ pageId: PAGE_ID, psid, adId: '120210000000001' }));
    const entry = await tap.waitFor(Topics.messageNormalized, (m) => m.sender?.channelUserId === psid);
    const decision = await routed(entry.value.conversationId);
    expect(decision).toMatchObject({ queue: 'support', botFlow: '', handoffContext: {} });
    expect((await waitForBotTexts(entry.value.conversationId, 2))).toEqual([
      { text: 'Hi! Looking for the winter sale? Pick one:', quickReplies: ['SALE_COATS', 'SALE_BOOTS'] },
      { text: 'Thanks! We usually answer within 5 minutes.', quickReplies: [] },
    ]);
  });

  it('“human please” skips the bot, mid-flow or as the first message', async () => {
    const psid = digits(16);
    const mid = `m_rt_${randomUUID()}`;
    await post(metaGraph.messengerPostback({ pageId: PAGE_ID, psid, title: 'Get Started', payload: 'GET_STARTED', ref: 'billing', mid }));
    const start = (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid)).value;
    await waitForBotTexts(start.conversationId, 2);
    await say(psid, 'human please');
    const midFlow = await routed(start.conversationId);
    expect(rules(midFlow)[0]).toBe('bot-skipped');
    expect(midFlow).toMatchObject({ queue: 'support', botFlow: 'billing', handoffContext: {} });

    const direct = await say(digits(16), 'Can I talk to a human please?', { referralRef: 'billing' });
    const decision = await routed(direct.conversationId);
    expect(rules(decision)).toEqual(['bot-skipped', 'default-queue']);
    expect(decision.botFlow).toBe('');
    // No welcome and no question: only the in-hours message.
    expect((await waitForBotTexts(direct.conversationId, 1)).map((t) => t.text)).toEqual(['Thanks! We usually answer within 5 minutes.']);
  });

  it('a resolved, then reopened, conversation is routed again under the rules in force', async () => {
    const psid = digits(16);
    const first = await say(psid, 'Hi, is the blue jacket still in stock in size M?');
    const before = await routed(first.conversationId);
    expect(rules(before)).not.toContain('reopened');
    await resolve(first.conversationId, first.contactId);
    const again = await say(psid, 'One more question: do you deliver to Canada as well?');
    expect(again.conversationId).toBe(first.conversationId);
    const after = await routed(first.conversationId, (r) => r.id !== before.id);
    expect(rules(after)[0]).toBe('reopened');
    expect(after).toMatchObject({ queue: 'support', escalated: false });
    expect(after.messageId).toBe(again.id);
  });

  it('an angry message from a repeat customer is escalated', async () => {
    const psid = digits(16);
    const first = await say(psid, 'Where is my order? It has not arrived yet.');
    const before = await routed(first.conversationId);
    await resolve(first.conversationId, first.contactId);
    const angry = await say(psid, 'This is unacceptable, the worst service ever!! I am furious.');
    const decision = await routed(first.conversationId, (r) => r.id !== before.id);
    expect(decision).toMatchObject({ queue: 'escalations', priority: 90, escalated: true, sentiment: 'negative', tags: ['unhappy-repeat'], messageId: angry.id });
    expect(rules(decision)).toEqual(['reopened', 'rule:unhappy-repeat', 'escalated']);
    expect(decision.reasons[1].detail).toBe('unhappy repeat customer');
  });

  describe('configuration and what-if replay', () => {
    let frenchFrom = '';
    let frenchTo = '';
    let frenchConversation = '';

    beforeAll(async () => {
      frenchFrom = new Date(Date.now() - 1).toISOString();
      const message = await say(digits(16), 'Bonjour, je voudrais changer l’adresse de livraison de ma commande, merci beaucoup.');
      frenchConversation = message.conversationId;
      await routed(message.conversationId);
      frenchTo = new Date(Date.now() + 1).toISOString();
    }, 60_000);

    it('replay of a draft over recorded traffic reports the expected changes and publishes nothing (API and CLI)', async () => {
      const draft = DOCUMENT.replace('then: { queue: french }', 'then: { queue: support }');
      const routedBefore = tap.all(Topics.conversationRouted).length;
      const outboundBefore = tap.all(Topics.outboundRequested).length;
      const outboxBefore = Number((await db.query(`SELECT count(*) AS n FROM router.outbox`)).rows[0].n);

      const { status, body } = await api('POST', '/routing/replay', { document: draft, from: frenchFrom, to: frenchTo });
      expect(status).toBe(200);
      expect(body).toMatchObject({ decisions: 1, conversations: 1, changed: { any: 1, queue: 1, priority: 0, botFlow: 0, conversations: 1 }, queueMoves: { 'french → support': 1 }, truncated: false });
      expect(body.examples).toEqual([
        expect.objectContaining({ conversationId: frenchConversation, changed: ['queue'], recorded: expect.objectContaining({ queue: 'french' }), draft: expect.objectContaining({ queue: 'support' }) }),
      ]);
      // The same document as the one in force changes nothing.
      const same = await api('POST', '/routing/replay', { document: DOCUMENT, from: frenchFrom, to: frenchTo });
      expect(same.body).toMatchObject({ decisions: 1, changed: { any: 0 } });

      const draftFile = join(dir, 'draft.yaml');
      writeFileSync(draftFile, draft);
      const env = { ...process.env, ROUTER_URL: omni.url('router'), OMNI_TOKEN: await testToken(['supervisor']) };
      const cli = await exec('node', ['-r', '@swc-node/register', 'tools/route-replay/cli.ts', '--from', frenchFrom, '--to', frenchTo, draftFile], { env, cwd: join(__dirname, '../../..') });
      expect(cli.stdout).toContain('1 decisions (1 conversations)');
      expect(cli.stdout).toContain('would change: 1 decisions in 1 conversations (queue 1, priority 0, bot flow 0)');
      expect(cli.stdout).toContain('french → support: 1');
      writeFileSync(draftFile, draft.replace('then: { queue: support }', 'then: { queue: nowhere }'));
      const refused = await exec('node', ['-r', '@swc-node/register', 'tools/route-replay/cli.ts', '--from', frenchFrom, '--to', frenchTo, draftFile], { env, cwd: join(__dirname, '../../..') }).catch((e: { code: number; stdout: string }) => e);
      expect(refused).toMatchObject({ code: 1 });
      expect((refused as { stdout: string }).stdout).toMatch(/draft\.yaml:\d+:\d+ document\.rules\[5\]\.then\.queue: queue "nowhere" is not defined under queues/);

      // Nothing was written or published: a marker routed afterwards is the only new record.
      expect(Number((await db.query(`SELECT count(*) AS n FROM router.outbox`)).rows[0].n)).toBe(outboxBefore);
      const marker = await say(digits(16), 'Hello, this is a marker message about your return policy');
      await routed(marker.conversationId);
      await waitForBotTexts(marker.conversationId, 1);
      expect(tap.all(Topics.conversationRouted).slice(routedBefore).map((r) => r.value.conversationId)).toEqual([marker.conversationId]);
      expect(tap.all(Topics.outboundRequested).slice(outboundBefore).map((r) => r.value.conversationId)).toEqual([marker.conversationId]);
    }, 60_000);

    it('an invalid configuration is refused with every error and its line; a valid one activates without a restart', async () => {
      const url = '/routing/documents';
      const schema = await fetch(`${omni.url('router')}/routing/schema`, { headers: await supervisor() });
      expect({ status: schema.status, title: ((await schema.json()) as { title: string }).title }).toEqual({ status: 200, title: 'Omni routing document' });
      expect((await api('POST', url, { document: DOCUMENT }, {})).status).toBe(401);
      expect((await api('POST', url, { document: DOCUMENT }, await authHeader(['agent']))).status).toBe(403);

      const invalid = DOCUMENT.replace('then: { queue: vip, priority: 100, tags: [vip] }', 'then: { queue: platinum, priority: 100, tags: [vip] }').replace('languages: [en, fr]', 'languages: [english]');
      const refused = await api('POST', url, { document: invalid });
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
      const badBody = await api('POST', '/routing/replay', { document: DOCUMENT, from: 'yesterday', to: new Date().toISOString() });
      expect(badBody.status).toBe(400);
      expect((badBody.body.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(['from']);
      const lineOf = (text: string) => invalid.split('\n').findIndex((l) => l.includes(text)) + 1;
      expect(refused.body.errors).toEqual([{ field: 'document.queues.support.languages[0]', line: lineOf('languages: [english]'), column: 17, message: 'must match pattern "^[a-z]{2,3}$"' }]);
      const fixedShape = invalid.replace('languages: [english]', 'languages: [en, fr]');
      const second = await api('POST', '/routing/documents/validate', { document: fixedShape });
      expect(second).toMatchObject({ status: 200, body: { valid: false, errors: [{ field: 'rules[0].then.queue', line: lineOf('queue: platinum'), message: 'queue "platinum" is not defined under queues' }] } });

      const next = DOCUMENT.replace('vip: { skills: [vip], first_response_target_seconds: 60 }', 'vip: { skills: [vip], first_response_target_seconds: 60 }\n  vip-desk: { skills: [vip, concierge] }').replace(
        'then: { queue: vip, priority: 100, tags: [vip] }',
        'then: { queue: vip-desk, priority: 100, tags: [vip] }',
      );
      const preview = await api('POST', '/routing/documents/preview', { document: next, message: { channel: 'messenger', text: 'Hello', language: 'en', contact: { tier: 'vip' } } });
      expect(preview.body).toMatchObject({ queue: 'vip-desk', priority: 100, matchedRules: ['vip'] });
      const activated = await api('POST', url, { document: next });
      expect(activated).toMatchObject({ status: 201, body: { version: 2, activatedBy: 'user:sup-lea', active: true } });
      const versions = await api('GET', url);
      expect((versions.body.items as Array<Record<string, unknown>>).map((v) => [v.version, v.activatedBy, v.active])).toEqual([
        [2, 'user:sup-lea', true],
        [1, 'file:routing.yaml', false],
      ]);

      // The running router (no restart) uses version 2 for the next conversation.
      const psid = digits(16);
      const crm = await authHeader(['crm']);
      const link = await fetch(`${omni.url('normalizer')}/contacts/link`, { method: 'POST', headers: { 'content-type': 'application/json', ...crm }, body: JSON.stringify({ customerId: `crm-${randomUUID()}`, identities: [{ channel: 'messenger', id: psid }] }) });
      const contactId = ((await link.json()) as { contact: { id: string } }).contact.id;
      await fetch(`${omni.url('normalizer')}/contacts/${contactId}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...crm }, body: JSON.stringify({ tier: 'vip' }) });
      const message = await say(psid, 'Hello, I would like to change my delivery address please');
      expect(await routed(message.conversationId)).toMatchObject({ queue: 'vip-desk', priority: 100, policyVersion: 'document-2', requiredSkills: ['vip', 'concierge'] });
    }, 60_000);
  });
});
