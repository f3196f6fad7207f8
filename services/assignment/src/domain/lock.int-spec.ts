/**
 * The assignment lock on real PostgreSQL: taken once per transaction (every further request would
 * be a round trip made while others wait for it), and, when taken for the commit, only after the
 * transaction's outbox rows are written; a pass's read of the queue taken with it sees what the
 * holder committed meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { create, RawInboundSchema, Topics } from '@omni/contracts';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { assignmentLockEntries } from '../testing/assignment-lock';
import { ASSIGNMENT_MIGRATIONS } from '../migrations';
import { lockAndLoadQueued, lockAssignments, lockForPass } from './engine';
import { observeAssignmentsWith } from './observations';

describe('the assignment lock (real PostgreSQL)', () => {
  const schema = `assignment_lock_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let requests = 0;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: ASSIGNMENT_MIGRATIONS });
    uow = new UnitOfWork(dataSource, undefined, 'omni/assignment-test', 'assignment-test');
    observeAssignmentsWith({ assigned: () => undefined, slaBreached: () => undefined, lockWaited: () => void requests++ });
  }, 60_000);
  beforeEach(() => {
    requests = 0;
  });
  afterAll(async () => {
    observeAssignmentsWith(undefined);
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  /** Until a session waits for this schema's assignment lock. */
  const waitForWaiter = async (): Promise<void> => {
    for (let i = 0; i < 200 && !(await assignmentLockEntries(dataSource, schema)).some((l) => !l.granted); i++) await new Promise((r) => setTimeout(r, 25));
  };

  /** Sessions holding this schema's assignment lock, seen from another connection. */
  const lockHolders = async (): Promise<number> => (await assignmentLockEntries(dataSource, schema)).filter((l) => l.granted).length;

  it('is requested once per unit of work, and held until its commit', async () => {
    await uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      await lockForPass(manager, outbox, 10);
      await lockAssignments(manager);
      expect(await lockHolders()).toBe(1); // seen from another connection
    });
    expect(requests).toBe(1);
    expect(await lockHolders()).toBe(0);
    await uow.run((manager) => lockAssignments(manager));
    expect(requests).toBe(2); // a new transaction asks again
  });

  it('is requested every time outside a unit of work (no transaction to remember it by)', async () => {
    await dataSource.transaction(async (manager) => {
      await lockAssignments(manager);
      await lockAssignments(manager);
    });
    expect(requests).toBe(2);
  });

  it('taken with the queue read (lockAndLoadQueued), reads what the holder committed while it waited', async () => {
    const queued = async (id: string, rank: number) =>
      dataSource.query(
        `INSERT INTO "${schema}".conversation_assignments (conversation_id, state, queue, priority, rank, channel, contact_id, routed_at, since)
         VALUES ($1, 'queued', 'support', 0, $2, 1, 'c', now(), now())`,
        [id, rank],
      );
    const [taken, waiting, late] = [randomUUID(), randomUUID(), randomUUID()];
    await queued(taken, 1);
    await queued(waiting, 5);
    let read: string[] = [];
    let reader: Promise<void> | undefined;
    await uow.run(async (holder) => {
      await lockAssignments(holder);
      // Asks for the lock while the holder has it: its read must come after the holder's commit.
      reader = uow.run(async (manager) => {
        read = (await lockAndLoadQueued(manager, 10)).map((r) => r.conversation_id);
      });
      await waitForWaiter();
      await holder.query(`UPDATE "${schema}".conversation_assignments SET state = 'assigned' WHERE conversation_id = $1`, [taken]);
      await queued(late, 9); // committed meanwhile, on another connection
    });
    await reader;
    expect(read).toEqual([late, waiting]); // in queue order (rank first); the assigned one gone
    expect(requests).toBe(2);
    await dataSource.query(`DELETE FROM "${schema}".conversation_assignments`);
  });

  it('for the commit, is taken after the outbox rows collected so far are written', async () => {
    let rowsBeforeLock = -1;
    await uow.run(async (manager, outbox) => {
      outbox.add(Topics.inboundRaw, 'k', create(RawInboundSchema, { id: 'early' }));
      const seen = (await manager.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)) as Array<{ n: number }>;
      expect(seen).toEqual([{ n: 0 }]);
      await lockForPass(manager, outbox, 10);
      rowsBeforeLock = ((await manager.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)) as Array<{ n: number }>)[0]!.n;
    });
    expect(rowsBeforeLock).toBe(1);
    expect(await dataSource.query(`SELECT record_key FROM "${schema}".outbox`)).toEqual([{ record_key: 'k' }]); // written once
  });
});
