/**
 * The router's state lookups in a consumed batch (real PostgreSQL, the real handler and engine):
 * one statement for the batch's messages instead of one each, the same decisions as message by
 * message, and never an answer the batch itself made stale.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  create,
  Direction,
  EntryPoint_Source,
  fromBinary,
  MessageSchema,
  OutboundRequestedSchema,
  timestampFromDate,
  Topics,
  type Message,
  type MessageInitShape,
} from '@omni/contracts';
import type { ConsumedEvent } from '@omni/messaging';
import { createLogger, Metrics } from '@omni/observability';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { consumedEvent, statementsDuring, testEnv } from '@omni/testing';
import type { RouterConfig } from './config';
import { RoutingDocuments } from './documents';
import { RoutingEngine } from './engine';
import { RouterInitial1732300000200 } from './migrations/1732300000200-router-initial';
import { RouterDocuments1732300000210 } from './migrations/1732300000210-router-documents';
import { NormalizedMessageHandler } from './normalized.handler';
import { RouterStore } from './store';
import { BILLING_TRIAGE_DOCUMENT as DOCUMENT } from './testing/documents';


const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const MINUTE = 60_000;
const quiet = createLogger({ service: 'router-test', level: 'silent' });

type Init = { conversationId?: string; contactId?: string; minutesAgo: number; text?: string; payload?: string; billing?: boolean };

function message(init: Init): Message {
  const content: MessageInitShape<typeof MessageSchema>['content'] = init.payload
    ? { kind: { case: 'quickReply', value: { payload: init.payload, text: init.text ?? '' } } }
    : { kind: { case: 'text', value: { text: init.text ?? 'Hello there' } } };
  const sent = timestampFromDate(new Date(NOW - init.minutesAgo * MINUTE));
  return create(MessageSchema, {
    id: randomUUID(),
    conversationId: init.conversationId ?? randomUUID(),
    contactId: init.contactId ?? randomUUID(),
    direction: Direction.INBOUND,
    sender: { channelUserId: `u-${randomUUID()}` },
    accountId: 'page-1',
    content,
    language: 'en',
    providerTimestamp: sent,
    receivedAt: sent,
    entryPoint: init.billing ? { source: EntryPoint_Source.DEEP_LINK, ref: 'billing' } : undefined,
  });
}

function consumed(value: Message): ConsumedEvent<Message> {
  return consumedEvent(Topics.messageNormalized, value, { key: value.conversationId, eventId: value.id, source: 'omni/normalizer', time: new Date(NOW) });
}

describe('router state lookups in a consumed batch (real PostgreSQL)', () => {
  const schema = `router_batch_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let handler: NormalizedMessageHandler;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: [RouterInitial1732300000200, RouterDocuments1732300000210] });
    uow = new UnitOfWork(dataSource, undefined, 'omni/router-test', 'router-test');
    const documents = new RoutingDocuments(dataSource, {} as RouterConfig, quiet);
    await dataSource.transaction((manager) => documents.activate(manager, DOCUMENT, 'test', new Date(NOW - 24 * 60 * MINUTE)));
    handler = new NormalizedMessageHandler(uow, new RoutingEngine(documents), new Metrics('router-test', { defaultMetrics: false }), { now: () => new Date(NOW) }, quiet);
  }, 60_000);
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });


  /** Runs `consume`, returning the state lookups it sent: 'batch' (many messages at once) or 'one'. */
  async function stateLookups(consume: () => Promise<void>): Promise<string[]> {
    const lookups = (await statementsDuring(consume)).filter((sql) => sql.includes('bot_sessions b ON'));
    return lookups.map((sql) => (sql.includes('WITH ORDINALITY') ? 'batch' : 'one'));
  }

  /** As the consumer applies a batch: one transaction, the handler called for each record in order. */
  const inBatch = (messages: Message[]) =>
    stateLookups(async () => {
      const events = messages.map(consumed);
      await uow.inBatch(events, async () => {
        for (const event of events) await handler.onMessage(event);
      });
    });
  /** Record by record, each in its own transaction (a record consumed alone). */
  const oneByOne = (messages: Message[]) =>
    stateLookups(async () => {
      for (const m of messages) await handler.onMessage(consumed(m));
    });

  const rows = <T>(sql: string, params: unknown[]): Promise<T[]> => dataSource.query(sql.replaceAll('$schema', schema), params);
  const decisions = (conversationId: string) =>
    rows<{ queue: string; priority: number; bot_flow: string | null; rules: string[]; handoff_context: unknown; facts: unknown }>(
      `SELECT queue, priority, bot_flow, (SELECT array_agg(r.reason->>'rule' ORDER BY r.i) FROM jsonb_array_elements(reasons) WITH ORDINALITY AS r(reason, i)) AS rules, handoff_context, facts
       FROM "$schema".routing_decisions WHERE conversation_id = $1 ORDER BY decided_at`,
      [conversationId],
    );
  const session = async (conversationId: string) =>
    (await rows<{ flow: string; step: number; attempts: number; answers: unknown }>(`SELECT flow, step, attempts, answers FROM "$schema".bot_sessions WHERE conversation_id = $1`, [conversationId]))[0] ?? null;
  const outbound = async (conversationId: string) =>
    (await rows<{ topic: string; value: Buffer }>(`SELECT topic, value FROM "$schema".outbox WHERE record_key = $1 ORDER BY id`, [conversationId])).map((r) =>
      r.topic === Topics.outboundRequested.name ? fromBinary(OutboundRequestedSchema, r.value).content?.text : r.topic,
    );
  const everything = async (conversationId: string) => ({ decisions: await decisions(conversationId), session: await session(conversationId), outbound: await outbound(conversationId) });

  /**
   * Conversations and contacts in every state a message can meet (new, unhappy last time, back
   * after an earlier conversation, in a bot flow, closed, routed), made message by message, and one
   * batch's worth of messages for them: each the first of its conversation and of its contact.
   */
  async function situations(): Promise<{ conversations: string[]; batch: Message[] }> {
    const store = new RouterStore(dataSource.manager);
    const unhappy = randomUUID();
    await store.recordCsat(unhappy, 1, new Date(NOW - 120 * MINUTE));
    const earlier = message({ minutesAgo: 120 });
    const inFlow = message({ minutesAgo: 60, billing: true });
    const closed = message({ minutesAgo: 180 });
    const routed = message({ minutesAgo: 50 });
    await oneByOne([earlier, inFlow, closed, routed]);
    await store.close(closed.conversationId, new Date(NOW - 150 * MINUTE));
    const batch = [
      message({ contactId: unhappy, minutesAgo: 10 }),
      message({ contactId: earlier.contactId, minutesAgo: 9 }),
      message({ conversationId: inFlow.conversationId, contactId: inFlow.contactId, minutesAgo: 8, payload: 'invoice', text: 'Invoice' }),
      message({ conversationId: closed.conversationId, contactId: closed.contactId, minutesAgo: 7 }),
      message({ conversationId: routed.conversationId, contactId: routed.contactId, minutesAgo: 6 }),
      message({ minutesAgo: 5, billing: true }),
    ];
    return { conversations: batch.map((m) => m.conversationId), batch };
  }

  it('looks up the state of a batch of N conversations in one statement instead of N, deciding as message by message', async () => {
    const batched = await situations();
    const alone = await situations();
    expect(await inBatch(batched.batch)).toEqual(['batch']);
    expect(await oneByOne(alone.batch)).toEqual(['one', 'one', 'one', 'one', 'one', 'one']);

    const results = (conversations: string[]) => Promise.all(conversations.map(everything));
    const [fromBatch, fromAlone] = [await results(batched.conversations), await results(alone.conversations)];
    expect(fromBatch).toEqual(fromAlone);
    const [unhappy, back, inFlow, reopened, routed, billing] = fromBatch;
    expect(unhappy!.decisions).toEqual([expect.objectContaining({ queue: 'recovery', priority: 50, facts: { lastCsat: 1 } })]);
    expect(back!.decisions).toEqual([expect.objectContaining({ queue: 'general', facts: { lastContactAt: new Date(NOW - 120 * MINUTE).toISOString() } })]);
    expect(inFlow!.session).toEqual({ flow: 'triage', step: 1, attempts: 0, answers: { topic: 'invoice' } });
    expect(inFlow!.outbound).toEqual(['Welcome to billing', 'Topic?', 'Order number?']);
    expect(reopened!.decisions.map((d) => d.rules[0])).toEqual(['default-queue', 'reopened']);
    expect(routed!.decisions).toHaveLength(1); // already routed: nothing new
    expect(billing!.session).toEqual({ flow: 'triage', step: 0, attempts: 0, answers: {} });
  });

  it('a record consumed alone, or a batch with a single message to look up, asks as before', async () => {
    expect(await inBatch([message({ minutesAgo: 3 })])).toEqual(['one']);
    const conversationId = randomUUID();
    expect(await inBatch([message({ conversationId, minutesAgo: 3 }), message({ conversationId, minutesAgo: 2 })])).toEqual(['one', 'one']);
    expect(await decisions(conversationId)).toHaveLength(1);
  });

  it("a conversation's later messages in the batch see what its first did: routed, a bot flow started and moved on", async () => {
    const [flow, plain, other] = [randomUUID(), randomUUID(), randomUUID()];
    const [flowContact, plainContact] = [randomUUID(), randomUUID()];
    const lookups = await inBatch([
      message({ conversationId: flow, contactId: flowContact, minutesAgo: 10, billing: true }),
      message({ conversationId: plain, contactId: plainContact, minutesAgo: 9 }),
      message({ conversationId: other, minutesAgo: 8 }),
      message({ conversationId: flow, contactId: flowContact, minutesAgo: 7, payload: 'invoice', text: 'Invoice' }),
      message({ conversationId: plain, contactId: plainContact, minutesAgo: 6, text: 'anyone?' }),
      message({ conversationId: flow, contactId: flowContact, minutesAgo: 5, text: 'order 12345' }),
    ]);
    expect(await outbound(flow)).toEqual(['Welcome to billing', 'Topic?', 'Order number?', Topics.conversationRouted.name]);
    expect(await session(flow)).toBeNull();
    expect(await decisions(flow)).toEqual([expect.objectContaining({ bot_flow: 'triage', handoff_context: { topic: 'invoice', order: '12345' }, rules: ['bot:triage', 'default-queue'] })]);
    expect(await decisions(plain)).toHaveLength(1); // the second message found it routed
    expect(await decisions(other)).toHaveLength(1);
    // The first message of each conversation from the batch's lookup; the later ones from the database.
    expect(lookups).toEqual(['batch', 'one', 'one', 'one']);
  });

  it("a contact's second conversation in the batch has the first one's routing in its history", async () => {
    const contactId = randomUUID();
    const [first, second] = [message({ contactId, minutesAgo: 10 }), message({ contactId, minutesAgo: 5 })];
    const lookups = await inBatch([first, message({ minutesAgo: 8 }), second]);
    expect(await decisions(first.conversationId)).toEqual([expect.objectContaining({ facts: {} })]);
    expect(await decisions(second.conversationId)).toEqual([expect.objectContaining({ facts: { lastContactAt: new Date(NOW - 10 * MINUTE).toISOString() } })]);
    expect(lookups).toEqual(['batch', 'one']);
  });

  it("withholds an answer the batch changed though its message did not name it: a bot's handoff routes under the flow's contact", async () => {
    const contactId = randomUUID();
    const started = message({ contactId, minutesAgo: 60, billing: true });
    await oneByOne([started]);
    // No contact on the message: the handoff's routing goes to the contact that started the flow.
    const handoff = message({ conversationId: started.conversationId, contactId: '', minutesAgo: 10, text: 'agent please' });
    const sameContact = message({ contactId, minutesAgo: 5 });
    const lookups = await inBatch([handoff, sameContact, message({ minutesAgo: 4 })]);
    expect(await decisions(started.conversationId)).toEqual([expect.objectContaining({ rules: ['bot-skipped', 'default-queue'] })]);
    expect(await decisions(sameContact.conversationId)).toEqual([expect.objectContaining({ facts: { lastContactAt: new Date(NOW - 10 * MINUTE).toISOString() } })]);
    // All three were first of their conversation and contact; the handoff's routing made one stale.
    expect(lookups).toEqual(['batch', 'one']);
  });
});
