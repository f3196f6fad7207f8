/**
 * The router service on real Kafka and PostgreSQL, fed normalized messages directly (as the
 * normalizer would publish them): what the e2e cannot reach through Messenger alone — X welcome
 * messages, the CSAT condition, bot state across a restart, a bot giving up, redelivery, erasure,
 * metrics and a refused document file.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  Channel,
  ContactErasedSchema,
  ConversationResolvedSchema,
  create,
  CsatRecorded_Status,
  CsatRecordedSchema,
  Direction,
  EntryPoint_Source,
  MessageSchema,
  timestampFromDate,
  Topics,
  type Message,
  type MessageInitShape,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, serviceTestEnv, testEnv, waitFor } from '@omni/testing';
import { router } from './router';
import type { RouterConfig } from './config';
import { BILLING_TRIAGE_DOCUMENT as DOCUMENT } from './testing/documents';


const quiet = createLogger({ service: 'router-test', level: 'silent' });

describe('router service (real Kafka + PostgreSQL)', () => {
  let service: RunningService<RouterConfig>;
  let env: NodeJS.ProcessEnv;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let db: Client;
  let dir: string;
  let databaseUrl: string;

  beforeAll(async () => {
    const base = testEnv();
    const prefix = `${base.topicPrefix}r${randomUUID().slice(0, 6)}.`;
    const url = new URL(base.databaseUrl);
    url.pathname = `${url.pathname}_r${randomUUID().slice(0, 6)}`;
    databaseUrl = url.toString();
    dir = mkdtempSync(join(tmpdir(), 'omni-router-'));
    writeFileSync(join(dir, 'routing.yaml'), DOCUMENT);
    env = serviceTestEnv({ prefix, databaseUrl }, { ROUTER_DOCUMENT_FILE: join(dir, 'routing.yaml'), KAFKA_HANDLER_RETRY_BASE_MS: '20' });
    service = await startService(router, { env, waitForReadyMs: 90_000 });
    tap = await new KafkaTap(base.kafkaBrokers, prefix, [Topics.conversationRouted, Topics.outboundRequested]).start();
    connection = new KafkaConnection({ brokers: base.kafkaBrokers, service: 'normalizer', topicPrefix: prefix }, quiet);
    publisher = new EventPublisher(connection);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await connection?.close();
    await tap?.stop();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
    const admin = new URL(databaseUrl);
    const name = admin.pathname.slice(1);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }, 60_000);

  const message = (init: { conversationId?: string; contactId?: string; channel?: Channel; text?: string; payload?: string; entryPoint?: MessageInitShape<typeof MessageSchema>['entryPoint']; contact?: MessageInitShape<typeof MessageSchema>['contact'] }): Message => {
    const content: MessageInitShape<typeof MessageSchema>['content'] = init.payload
      ? { kind: { case: 'quickReply', value: { payload: init.payload, text: init.text ?? '' } } }
      : { kind: { case: 'text', value: { text: init.text ?? 'Hello there' } } };
    return create(MessageSchema, {
      id: randomUUID(),
      conversationId: init.conversationId ?? randomUUID(),
      contactId: init.contactId ?? randomUUID(),
      channel: init.channel ?? Channel.MESSENGER,
      direction: Direction.INBOUND,
      sender: { channelUserId: `u${Date.now()}` },
      accountId: 'page-1',
      content,
      language: 'en',
      providerTimestamp: timestampFromDate(new Date()),
      receivedAt: timestampFromDate(new Date()),
      entryPoint: init.entryPoint,
      contact: init.contact,
    });
  };
  const publish = async (m: Message, eventId = m.id) => {
    await publisher.publish(Topics.messageNormalized, m.conversationId, m, { id: eventId });
    return m;
  };
  const routed = (conversationId: string) => tap.waitFor(Topics.conversationRouted, (r) => r.conversationId === conversationId).then((r) => r.value);
  const texts = (conversationId: string) => tap.all(Topics.outboundRequested).filter((o) => o.value.conversationId === conversationId).map((o) => o.value.content?.text);
  const waitTexts = async (conversationId: string, n: number) => {
    await waitFor(() => texts(conversationId).length >= n, { timeoutMs: 30_000, description: `${n} outbound(s)` });
    return texts(conversationId);
  };

  it('an X welcome-message entry is not greeted again (X sent its own), but its bot flow starts; Messenger gets both', async () => {
    const x = await publish(message({ channel: Channel.TWITTER, text: 'Hi', entryPoint: { source: EntryPoint_Source.WELCOME_MESSAGE, welcomeMessageId: 'wm-1', ref: 'billing' } }));
    expect(await waitTexts(x.conversationId, 1)).toEqual(['Topic?']);
    const m = await publish(message({ text: 'Hi', entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    expect(await waitTexts(m.conversationId, 2)).toEqual(['Welcome to billing', 'Topic?']);
    // Nothing extra for X after Messenger's two arrived (same partition order is not guaranteed across conversations, so wait on Messenger first).
    expect(texts(x.conversationId)).toEqual(['Topic?']);
  });

  it('the bot flow survives a restart: answers given before and after it reach the routed event', async () => {
    const start = await publish(message({ text: 'Hi', entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    await waitTexts(start.conversationId, 2);
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, payload: 'delivery', text: 'Delivery' }));
    await waitTexts(start.conversationId, 3);
    await service.close();
    service = await startService(router, { env, waitForReadyMs: 90_000 });
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, text: 'order 99812 please' }));
    const decision = await routed(start.conversationId);
    expect(decision).toMatchObject({ botFlow: 'triage', handoffContext: { topic: 'delivery', order: '99812' }, queue: 'general' });
    expect(decision.reasons.map((r) => r.rule)).toEqual(['bot:triage', 'default-queue']);
  }, 120_000);

  it('a bot gives up after max_attempts unusable answers and hands off with what it has', async () => {
    const start = await publish(message({ text: 'Hi', entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    await waitTexts(start.conversationId, 2);
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, text: 'banana' }));
    expect(await waitTexts(start.conversationId, 3)).toEqual(['Welcome to billing', 'Topic?', 'Topic?']);
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, text: 'kiwi' }));
    const decision = await routed(start.conversationId);
    expect(decision.reasons.map((r) => r.rule)).toEqual(['bot-gave-up', 'default-queue']);
    expect(decision.handoffContext).toEqual({});
  });

  it('a flow left unanswered for over 24 hours hands off at the customer’s next message', async () => {
    const start = await publish(message({ text: 'Hi', entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    await waitTexts(start.conversationId, 2);
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, payload: 'invoice', text: 'Invoice' }));
    await waitTexts(start.conversationId, 3);
    await db.query(`UPDATE router.bot_sessions SET updated_at = now() - interval '25 hours' WHERE conversation_id = $1`, [start.conversationId]);
    await publish(message({ conversationId: start.conversationId, contactId: start.contactId, text: 'hello again' }));
    const decision = await routed(start.conversationId);
    expect(decision.reasons[0]).toEqual(expect.objectContaining({ rule: 'bot-gave-up', detail: 'no answer to "order" for 24 hours' }));
    expect(decision.handoffContext).toEqual({ topic: 'invoice' });
  });

  it('the last CSAT answer feeds the rule; customer_ref carries the CRM ids and phone; a redelivered message routes once', async () => {
    const contactId = randomUUID();
    const csat = create(CsatRecordedSchema, { id: randomUUID(), conversationId: randomUUID(), contactId, score: 1, status: CsatRecorded_Status.ANSWERED, recordedAt: timestampFromDate(new Date()) });
    await publisher.publish(Topics.csatRecorded, csat.conversationId, csat, { id: csat.id });
    await waitFor(async () => (await db.query(`SELECT 1 FROM router.contact_csat WHERE contact_id = $1`, [contactId])).rowCount === 1, { description: 'CSAT recorded' });
    const m = message({ contactId, contact: { tier: 'gold', crmCustomerIds: ['C-42'], phoneE164: '+33612345678' } });
    await publish(m);
    await publish(m); // the same event again (a redelivery): the inbox absorbs it
    const decision = await routed(m.conversationId);
    expect(decision).toMatchObject({ queue: 'recovery', priority: 55, requiredSkills: ['retention'] });
    expect(decision.reasons.map((r) => r.rule)).toEqual(['rule:unhappy-last-time', 'rule:gold']);
    expect(decision.customerRef).toMatchObject({ contactId, channel: Channel.MESSENGER, accountId: 'page-1', crmCustomerIds: ['C-42'], phoneE164: '+33612345678' });
    const marker = await publish(message({}));
    await routed(marker.conversationId);
    expect(tap.all(Topics.conversationRouted).filter((r) => r.value.conversationId === m.conversationId)).toHaveLength(1);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/omni_router_decisions_total\{[^}]*queue="recovery"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/omni_router_rule_matches_total\{[^}]*rule="unhappy-last-time"[^}]*\} [1-9]/);
  });

  it('a message written before the conversation was resolved does not route it again; one written after does', async () => {
    const first = await publish(message({}));
    await routed(first.conversationId);
    const resolvedAt = new Date();
    const late = message({ conversationId: first.conversationId, contactId: first.contactId, text: 'sent just before the agent resolved' });
    late.providerTimestamp = timestampFromDate(new Date(resolvedAt.getTime() - 1_000));
    const resolved = create(ConversationResolvedSchema, { id: randomUUID(), conversationId: first.conversationId, contactId: first.contactId, channel: Channel.MESSENGER, resolvedAt: timestampFromDate(resolvedAt) });
    await publisher.publish(Topics.conversationResolved, first.conversationId, resolved, { id: resolved.id });
    await waitFor(async () => (await db.query(`SELECT 1 FROM router.routed_conversations WHERE conversation_id = $1 AND closed_at IS NOT NULL`, [first.conversationId])).rowCount === 1, {
      description: 'the router closed the conversation',
    });
    await publish(late);
    const after = await publish(message({ conversationId: first.conversationId, contactId: first.contactId, text: 'a new question, after the resolution' }));
    await tap.waitFor(Topics.conversationRouted, (r) => r.conversationId === first.conversationId && r.messageId === after.id);
    const decisions = tap.all(Topics.conversationRouted).filter((r) => r.value.conversationId === first.conversationId);
    expect(decisions.map((r) => r.value.messageId)).toEqual([first.id, after.id]);
    expect(decisions[1]!.value.reasons[0]!.rule).toBe('reopened');
  });

  it('a resolution while the bot is still asking closes the conversation and ends the flow', async () => {
    const start = await publish(message({ text: 'Hi', entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    await waitTexts(start.conversationId, 2);
    expect((await db.query(`SELECT 1 FROM router.bot_sessions WHERE conversation_id = $1`, [start.conversationId])).rowCount).toBe(1);
    const resolved = create(ConversationResolvedSchema, { id: randomUUID(), conversationId: start.conversationId, contactId: start.contactId, channel: Channel.MESSENGER, resolvedAt: timestampFromDate(new Date()) });
    await publisher.publish(Topics.conversationResolved, start.conversationId, resolved, { id: resolved.id });
    await waitFor(async () => (await db.query(`SELECT 1 FROM router.bot_sessions WHERE conversation_id = $1`, [start.conversationId])).rowCount === 0, {
      description: 'the flow ended',
    });
  });

  it('an erasure drops what the router holds about the contact', async () => {
    const contactId = randomUUID();
    const routedOne = await publish(message({ contactId }));
    await routed(routedOne.conversationId);
    const inFlow = await publish(message({ contactId, entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } }));
    await waitTexts(inFlow.conversationId, 2);
    const count = async () =>
      Number(
        (
          await db.query(
            `SELECT (SELECT count(*) FROM router.routing_decisions WHERE contact_id = $1) + (SELECT count(*) FROM router.bot_sessions WHERE contact_id = $1)
              + (SELECT count(*) FROM router.routed_conversations WHERE contact_id = $1) AS n`,
            [contactId],
          )
        ).rows[0].n,
      );
    expect(await count()).toBe(3);
    const erased = create(ContactErasedSchema, { id: randomUUID(), contactId, conversationIds: [routedOne.conversationId, inFlow.conversationId], erasedAt: timestampFromDate(new Date()) });
    await publisher.publish(Topics.contactErased, contactId, erased, { id: erased.id });
    await waitFor(async () => (await count()) === 0, { timeoutMs: 30_000, description: 'contact erased' });
  });

  it('replays every recorded decision of a range: unchanged under the same document, counted per change under a draft, bounded', async () => {
    const replay = async (body: Record<string, unknown>) => {
      const response = await fetch(`${service.url}/routing/replay`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await authHeader(['admin'])) }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      return (await response.json()) as { decisions: number; conversations: number; changed: Record<string, number>; queueMoves: Record<string, number>; truncated: boolean };
    };
    const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const rows = (await db.query(`SELECT queue, count(*)::int AS n FROM router.routing_decisions GROUP BY queue`)).rows as Array<{ queue: string; n: number }>;
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    const general = rows.find((r) => r.queue === 'general')?.n ?? 0;
    expect(general).toBeGreaterThan(2);
    const outboxBefore = (await db.query(`SELECT coalesce(max(id), 0)::int AS id FROM router.outbox`)).rows[0].id as number;
    expect(await replay({ document: DOCUMENT, ...range })).toMatchObject({ decisions: total, changed: { any: 0 }, truncated: false });
    const draft = DOCUMENT.replace('default_queue: general', 'default_queue: recovery');
    const report = await replay({ document: draft, ...range, examples: 2 });
    expect(report).toMatchObject({ decisions: total, changed: { queue: general, priority: 0, botFlow: 0 }, queueMoves: { 'general → recovery': general } });
    expect(await replay({ document: DOCUMENT, ...range, limit: 1 })).toMatchObject({ decisions: 1, truncated: true });
    // Read-only: the replays left no outbox row behind.
    expect((await db.query(`SELECT coalesce(max(id), 0)::int AS id FROM router.outbox`)).rows[0].id).toBe(outboxBefore);
  });

  it('refuses to start on an invalid document file, naming each error and its line', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\ndefault_queue: nowhere\nqueues:\n  general: {}\nrules: []\n');
    await expect(startService(router, { env: { ...env, ROUTER_DOCUMENT_FILE: bad }, waitForReadyMs: 30_000 })).rejects.toThrow('default_queue (line 2): queue "nowhere" is not defined under queues');
  }, 60_000);
});
