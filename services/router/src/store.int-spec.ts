/**
 * RouterStore's routings inside a consumed batch (real PostgreSQL): they are written together just
 * before the commit, yet every read of the same transaction sees them as if written at once.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { RouterInitial1732300000200 } from './migrations/1732300000200-router-initial';
import { RouterDocuments1732300000210 } from './migrations/1732300000210-router-documents';
import { RouterStore, type Routing } from './store';

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
      expect(await store.close(second, new Date(T0 + 5_000))).toBe(true);
    });
    // A read that could see a pending routing wrote them first; the unrelated read and the close
    // (its conversation already written by the history read) did not.
    expect(statements).toEqual(['read', 'insert', 'read', 'insert', 'read', 'update']);
    expect(await rows(`SELECT closed_at FROM "$schema".routed_conversations WHERE conversation_id = $1`, [second])).toEqual([{ closed_at: new Date(T0 + 5_000) }]);
  });

  it('outside a unit of work, writes at once', async () => {
    const id = randomUUID();
    await new RouterStore(dataSource.manager).recordRouting(routing(id, 'contact-now', 1));
    expect(await rows(`SELECT count(*)::int AS n FROM "$schema".routed_conversations WHERE conversation_id = $1`, [id])).toEqual([{ n: 1 }]);
  });
});
