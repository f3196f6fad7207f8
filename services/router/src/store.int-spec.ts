/**
 * RouterStore's routings and closes inside a consumed batch (real PostgreSQL): each kind is written
 * together just before the commit, yet every read and write of the same transaction sees them as
 * if written at once, in the order they were made.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { RouterInitial1732300000200 } from './migrations/1732300000200-router-initial';
import { RouterDocuments1732300000210 } from './migrations/1732300000210-router-documents';
import { RouterStore, type BotSession, type ClosesWritten, type Routing } from './store';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

function routing(conversationId: string, contactId: string, ms: number, queue = 'support'): Routing {
  const at = new Date(T0 + ms);
  return {
    conversation: { conversationId, contactId, queue, priority: 1, documentVersion: 1, routedAt: at, reasons: [{ rule: 'default', detail: '' }] },
    decision: {
      id: randomUUID(),
      conversationId,
      contactId,
      messageId: `m-${ms}`,
      decidedAt: at,
      documentVersion: 1,
      queue,
      priority: 1,
      botFlow: null,
      reasons: [{ rule: 'default', detail: '' }],
      handoffContext: {},
      facts: {},
      message: Buffer.from([ms % 256]),
    },
  };
}

describe('RouterStore routings in a batch (real PostgreSQL)', () => {
  const schema = `router_store_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let statements: string[] = [];

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: [RouterInitial1732300000200, RouterDocuments1732300000210] });
    uow = new UnitOfWork(dataSource, undefined, 'omni/router-test', 'router-test');
  }, 60_000);
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  /** Runs `work` as the handler of a one-record batch, noting the routing statements it sends. */
  async function inBatch(work: (store: RouterStore) => Promise<void>): Promise<void> {
    statements = [];
    await uow.inBatch([{ eventId: randomUUID(), topic: 'test' }], () =>
      uow.run(async (manager) => {
        const query = manager.query.bind(manager);
        manager.query = ((sql: string, params?: unknown[]) => {
          if (/routing_decisions|routed_conversations/.test(sql)) statements.push(sql.includes('INSERT') ? 'insert' : sql.trimStart().startsWith('SELECT') ? 'read' : 'update');
          return query(sql, params);
        }) as typeof manager.query;
        await work(new RouterStore(manager));
      }),
    );
  }
  const rows = (sql: string, params: unknown[]) => dataSource.query(sql.replaceAll('$schema', schema), params);

  it('writes the routings of a batch in one statement before the commit, the last one of a conversation winning', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await inBatch(async (store) => {
      await store.recordRouting(routing(a, 'contact-1', 1));
      await store.recordRouting(routing(b, 'contact-2', 2));
      await store.recordRouting(routing(a, 'contact-1', 3, 'billing')); // routed again, no read in between
      expect(await rows(`SELECT count(*)::int AS n FROM "$schema".routing_decisions`, [])).toEqual([{ n: 0 }]); // nothing written yet (another connection)
    });
    expect(statements).toEqual(['insert']);
    expect(await rows(`SELECT conversation_id, queue, contact_id, policy_version, closed_at FROM "$schema".routed_conversations WHERE conversation_id = ANY($1) ORDER BY contact_id`, [[a, b]])).toEqual([
      { conversation_id: a, queue: 'billing', contact_id: 'contact-1', policy_version: 'document-1', closed_at: null },
      { conversation_id: b, queue: 'support', contact_id: 'contact-2', policy_version: 'document-1', closed_at: null },
    ]);
    expect(await rows(`SELECT count(*)::int AS n FROM "$schema".routing_decisions WHERE conversation_id = ANY($1)`, [[a, b]])).toEqual([{ n: 3 }]);
  });

  it("shows a pending routing to the next message of the batch: the conversation is routed, the contact's history has it", async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const contact = `contact-${randomUUID()}`;
    await inBatch(async (store) => {
      const unrelated = await store.state(randomUUID(), { contactId: 'someone-else', at: new Date(T0 + 5_000) });
      expect(unrelated.history).toEqual({});
      await store.recordRouting(routing(first, contact, 1_000));
      await store.recordRouting(routing(randomUUID(), 'contact-x', 1_500));
      const again = await store.state(first, { contactId: contact, at: new Date(T0 + 2_000) });
      expect(again.conversation).toEqual({ closedAt: null });
      expect(again.history.lastContactAt).toEqual(new Date(T0 + 1_000));
      await store.recordRouting(routing(second, contact, 3_000));
      expect(await store.history(contact, new Date(T0 + 4_000))).toEqual({ lastContactAt: new Date(T0 + 3_000), lastCsat: undefined });
      await store.close(second, new Date(T0 + 5_000));
    });
    // A read that could see a pending routing wrote them first; the unrelated read did not, and the
    // close was written at the commit.
    expect(statements).toEqual(['read', 'insert', 'read', 'insert', 'read', 'update']);
    expect(await rows(`SELECT closed_at FROM "$schema".routed_conversations WHERE conversation_id = $1`, [second])).toEqual([{ closed_at: new Date(T0 + 5_000) }]);
  });

  function session(conversationId: string, step = 0): BotSession {
    return { conversationId, contactId: 'contact-bot', flow: 'triage', documentVersion: 1, step, attempts: 0, answers: {}, message: Buffer.from([1]), startedAt: new Date(T0) };
  }
  const closedAt = async (conversationId: string) =>
    ((await rows(`SELECT closed_at FROM "$schema".routed_conversations WHERE conversation_id = $1`, [conversationId])) as Array<{ closed_at: Date | null }>)[0]?.closed_at;
  const sessions = async (conversationId: string) => (await rows(`SELECT step FROM "$schema".bot_sessions WHERE conversation_id = $1`, [conversationId])) as Array<{ step: number }>;

  it("writes a batch's closes in one statement before the commit: the last close of a conversation wins, its bot session ends, unknown ones are counted out", async () => {
    const [a, b, unknown] = [randomUUID(), randomUUID(), randomUUID()];
    await inBatch(async (store) => {
      await store.recordRouting(routing(a, 'contact-a', 1));
      await store.recordRouting(routing(b, 'contact-b', 2));
      await store.saveSession(session(a, 2), new Date(T0 + 3));
    });
    const told: Array<Parameters<ClosesWritten>[0]> = [];
    const written: ClosesWritten = (closes) => told.push(closes);
    await inBatch(async (store) => {
      await store.close(a, new Date(T0 + 10_000), written);
      await store.close(unknown, new Date(T0 + 11_000), written);
      await store.close(b, new Date(T0 + 12_000), written);
      await store.close(a.toUpperCase(), new Date(T0 + 13_000), written); // resolved again: the later time stays
      expect(told).toEqual([]); // nothing written yet
      expect(await closedAt(a)).toBeNull(); // (another connection)
    });
    expect(statements).toEqual(['update']);
    expect(told).toEqual([{ closes: 4, known: 2 }]);
    expect(await closedAt(a)).toEqual(new Date(T0 + 13_000));
    expect(await closedAt(b)).toEqual(new Date(T0 + 12_000));
    expect(await closedAt(unknown)).toBeUndefined();
    expect(await sessions(a)).toEqual([]);
  });

  it('writes a pending close before anything of the batch that reads or changes its conversation, as if closed at once', async () => {
    const [routedAgain, readBack, botAgain, bot, other] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await inBatch(async (store) => {
      for (const [i, id] of [routedAgain, readBack, botAgain, bot, other].entries()) await store.recordRouting(routing(id, `contact-${id}`, i));
      await store.saveSession(session(readBack), new Date(T0));
      await store.saveSession(session(bot), new Date(T0));
    });
    await inBatch(async (store) => {
      await store.close(routedAgain, new Date(T0 + 20_000));
      await store.close(readBack, new Date(T0 + 20_000));
      await store.close(botAgain, new Date(T0 + 20_000));
      await store.close(bot, new Date(T0 + 20_000));
      // A read about another conversation, or about a contact alone, leaves the closes pending.
      expect((await store.state(other, { contactId: `contact-${other}`, at: new Date(T0 + 21_000) })).conversation).toEqual({ closedAt: null });
      await store.history(`contact-${readBack}`, new Date(T0 + 21_000));
      expect(statements).toEqual(['read', 'read']);
      // The customer writes again after the resolution: routed again, it stays open.
      await store.recordRouting(routing(routedAgain, `contact-${routedAgain}`, 22_000));
      expect(statements).toEqual(['read', 'read', 'update']); // the closes, before the routing is buffered
      await store.close(readBack, new Date(T0 + 23_000));
      expect(await store.state(readBack, { contactId: `contact-${readBack}`, at: new Date(T0 + 24_000) })).toMatchObject({ conversation: { closedAt: new Date(T0 + 23_000) }, session: undefined });
      await store.close(botAgain, new Date(T0 + 25_000));
      await store.saveSession(session(botAgain, 1), new Date(T0 + 26_000)); // a new flow after the resolution
      await store.close(bot, new Date(T0 + 27_000));
    });
    expect(await closedAt(routedAgain)).toBeNull();
    expect(await closedAt(readBack)).toEqual(new Date(T0 + 23_000));
    expect(await closedAt(botAgain)).toEqual(new Date(T0 + 25_000));
    expect(await sessions(botAgain)).toEqual([{ step: 1 }]);
    expect(await closedAt(bot)).toEqual(new Date(T0 + 27_000));
    expect(await sessions(bot)).toEqual([]);
    expect(await closedAt(other)).toBeNull();
  });

  it('writes a routing recorded before a close of the same conversation first: the close is not undone', async () => {
    const [earlier, id] = [randomUUID(), randomUUID()];
    await inBatch(async (store) => {
      await store.close(earlier, new Date(T0 + 1_000)); // the closes are due at the commit before the routings
      await store.recordRouting(routing(id, 'contact-close', 1));
      await store.close(id, new Date(T0 + 2_000));
    });
    expect(statements).toEqual(['insert', 'update']);
    expect(await closedAt(id)).toEqual(new Date(T0 + 2_000));
  });

  it('outside a unit of work, writes at once', async () => {
    const id = randomUUID();
    await new RouterStore(dataSource.manager).recordRouting(routing(id, 'contact-now', 1));
    expect(await rows(`SELECT count(*)::int AS n FROM "$schema".routed_conversations WHERE conversation_id = $1`, [id])).toEqual([{ n: 1 }]);
    const told: Array<Parameters<ClosesWritten>[0]> = [];
    await new RouterStore(dataSource.manager).close(id, new Date(T0 + 1_000), (closes) => told.push(closes));
    expect(told).toEqual([{ closes: 1, known: 1 }]);
    expect(await closedAt(id)).toEqual(new Date(T0 + 1_000));
  });
});
