/**
 * readConversation on real PostgreSQL: a consumed batch reads the conversations its records name
 * in one statement, hands each row out once (to the batch's first read of it), and leaves every
 * later read, every read of a conversation with an intake pending, and every read outside a batch,
 * to the database.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Channel, ConversationRoutedSchema, create } from '@omni/contracts';
import { openDataSource, UnitOfWork, type BatchRecord, type TransactionHooks } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { AssignmentConfig } from '../config';
import { ASSIGNMENT_MIGRATIONS } from '../migrations';
import { settingsFrom } from '../settings';
import { readConversation } from './batch-conversations';
import { routeIn } from './intake';

describe('readConversation (real PostgreSQL)', () => {
  const schema = `batch_conv_${randomUUID().slice(0, 8)}`;
  const settings = settingsFrom(new AssignmentConfig());
  let dataSource: DataSource;
  let uow: UnitOfWork;

  const conversation = (id: string, state: string) =>
    dataSource.query(`INSERT INTO "${schema}".conversation_assignments (conversation_id, state, queue, priority, channel, contact_id, routed_at, since) VALUES ($1, $2, 'support', 0, 1, 'c', now(), now())`, [
      id,
      state,
    ]);
  const recordsNaming = (ids: string[]): BatchRecord[] => ids.map((conversationId) => ({ eventId: randomUUID(), topic: 'test', value: { conversationId } }));

  /** Runs `work` as a handler of a consumed batch of `records`, counting the statements it makes. */
  async function inBatch(records: BatchRecord[], work: (manager: EntityManager, hooks: TransactionHooks, statements: () => number) => Promise<void>): Promise<void> {
    await uow.inBatch(records, () =>
      uow.run(async (manager, _outbox, hooks) => {
        const query = jest.spyOn(manager, 'query');
        try {
          await work(manager, hooks, () => query.mock.calls.length);
        } finally {
          query.mockRestore();
        }
      }),
    );
  }

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: ASSIGNMENT_MIGRATIONS });
    uow = new UnitOfWork(dataSource, undefined, 'omni/assignment-test', 'assignment-test');
  }, 60_000);
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it("reads a batch's conversations in one statement, and hands each row out once", async () => {
    const [queued, assigned, unknown] = [randomUUID(), randomUUID(), randomUUID()];
    await conversation(queued, 'queued');
    await conversation(assigned, 'resolved');
    // A malformed id in one record must not fail the batch's read for the others.
    const records = recordsNaming([queued, assigned, unknown, queued, 'not-a-uuid']);
    await inBatch(records, async (manager, hooks, statements) => {
      expect((await readConversation(manager, hooks, records, queued))?.state).toBe('queued');
      expect((await readConversation(manager, hooks, records, assigned.toUpperCase()))?.conversation_id).toBe(assigned);
      expect(await readConversation(manager, hooks, records, unknown)).toBeUndefined();
      expect(statements()).toBe(1);

      // The batch's second record about a conversation sees what the first one wrote.
      await manager.query(`UPDATE "${schema}".conversation_assignments SET state = 'resolved' WHERE conversation_id = $1`, [queued]);
      expect((await readConversation(manager, hooks, records, queued))?.state).toBe('resolved');
      expect(statements()).toBe(3);
    });
  });

  it("does not hand out the batch's row of a conversation queued since: it reads it again, its intake written first", async () => {
    const id = randomUUID();
    const records = recordsNaming([id, randomUUID()]);
    await uow.inBatch(records, () =>
      uow.run(async (manager, outbox, hooks) => {
        // Queued before the batch's first read (routeIn reads by itself, outside the batch's read).
        const routed = create(ConversationRoutedSchema, { id: randomUUID(), conversationId: id, contactId: 'c', channel: Channel.WHATSAPP, queue: 'support' });
        expect((await routeIn(manager, outbox, hooks, routed, settings, () => new Date())).outcome).toBe('queued');
        expect((await readConversation(manager, hooks, records, id))?.state).toBe('queued');
      }),
    );
  });

  it('reads from the database outside a batch, and for a batch of one record', async () => {
    const id = randomUUID();
    await conversation(id, 'queued');
    for (const records of [undefined, recordsNaming([id])]) {
      await uow.run(async (manager, _outbox, hooks) => {
        const query = jest.spyOn(manager, 'query');
        expect((await readConversation(manager, hooks, records, id))?.state).toBe('queued');
        expect((await readConversation(manager, hooks, records, id))?.state).toBe('queued');
        expect(query.mock.calls.map(([sql]) => sql as string).every((sql) => sql.includes('WHERE conversation_id = $1'))).toBe(true);
        expect(query).toHaveBeenCalledTimes(2);
        query.mockRestore();
      });
    }
  });
});
