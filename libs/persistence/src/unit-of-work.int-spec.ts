import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { statementsDuring } from '@omni/testing';
import { currentTransactionHooks, openDataSource, UnitOfWork } from './index';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omni_dev_tests';

async function committedRows(schema: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT name FROM "${schema}".marks ORDER BY id`)).rows.map((r: { name: string }) => r.name);
  } finally {
    await client.end();
  }
}

describe('UnitOfWork transaction hooks and deadlock retry (real PostgreSQL)', () => {
  let dataSource: DataSource;
  let uow: UnitOfWork;
  const schema = `uow_${randomUUID().slice(0, 8)}`;
  const mark = (manager: EntityManager, name: string) => manager.query(`INSERT INTO "${schema}".marks (name) VALUES ($1)`, [name]);

  beforeAll(async () => {
    dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    await dataSource.query(`CREATE TABLE "${schema}".marks (id serial PRIMARY KEY, name text NOT NULL)`);
    await dataSource.query(`CREATE TABLE "${schema}".pair (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
    await dataSource.query(`INSERT INTO "${schema}".pair (id) VALUES (1), (2)`);
    uow = new UnitOfWork(dataSource, undefined, 'omni/uow-test', 'uow-test');
  });
  beforeEach(() => dataSource.query(`TRUNCATE "${schema}".marks`));
  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('shows a batch’s handlers every record of their batch, and nothing outside one', async () => {
    const events = ['b1', 'b2'].map((eventId) => ({ eventId, topic: 'records', value: { n: eventId } }));
    const seen: Array<string[] | undefined> = [];
    await uow.inBatch(events, async () => {
      for (const event of events) await uow.handle(event, async () => void seen.push(uow.batchRecords()?.map((r) => r.eventId)));
    });
    await uow.handle({ eventId: 'alone', topic: 'records' }, async () => void seen.push(uow.batchRecords()?.map((r) => r.eventId)));
    expect(seen).toEqual([['b1', 'b2'], ['b1', 'b2'], undefined]);
  });

  it("registers a batch's records in the inbox in its outbox statement, not a round trip of their own", async () => {
    const events = ['i1', 'i2'].map((eventId) => ({ eventId, topic: 'inboxed', redeliveryLikely: false }));
    const statements = await statementsDuring(() =>
      uow.inBatch(events, async () => {
        for (const event of events) await uow.handle(event, (manager) => mark(manager, event.eventId));
      }),
    );
    const inbox = statements.filter((sql) => sql.includes('"inbox"'));
    expect(inbox).toEqual([expect.stringMatching(/^WITH written_0 AS \(INSERT INTO "[^"]+"\."inbox"/)]);
    expect(statements.indexOf(inbox[0]!)).toBe(statements.length - 1); // with the batch's last statement, after its work
    expect(await committedRows(schema)).toEqual(['i1', 'i2']);
    expect(await dataSource.query(`SELECT event_id FROM "${schema}".inbox WHERE consumer = 'uow-test:inboxed' ORDER BY event_id`)).toEqual([{ event_id: 'i1' }, { event_id: 'i2' }]);

    // A batch that may hold redeliveries (a partition's first after a join), or records that do not
    // say, read the inbox first; so does a record alone that may be redelivered.
    for (const redeliveryLikely of [true, undefined]) {
      const checked = [`c-${String(redeliveryLikely)}`].map((eventId) => ({ eventId, topic: 'inboxed', redeliveryLikely }));
      const first = await statementsDuring(() => uow.inBatch(checked, () => uow.handle(checked[0]!, (manager) => mark(manager, checked[0]!.eventId)).then(() => undefined)));
      expect(first[0]).toMatch(/^INSERT INTO "[^"]+"\."inbox"/);
    }
    const alone = await statementsDuring(() => uow.handle({ eventId: 'a-1', topic: 'inboxed', redeliveryLikely: true }, (manager) => mark(manager, 'a-1')));
    expect(alone[0]).toMatch(/^INSERT INTO "[^"]+"\."inbox"/);
    const optimistic = await statementsDuring(() => uow.handle({ eventId: 'a-2', topic: 'inboxed', redeliveryLikely: false }, (manager) => mark(manager, 'a-2')));
    expect(optimistic).toHaveLength(2); // the work, then the inbox row in the outbox statement
    expect(optimistic[1]).toMatch(/^WITH written_0 AS \(INSERT INTO "[^"]+"\."inbox"/);
  });

  it('applies a batch holding a record applied before once more with the inbox read first: the old record skipped, the rest once', async () => {
    const applied: string[] = [];
    const run = (ids: string[]) => {
      const events = ids.map((eventId) => ({ eventId, topic: 'redelivered', redeliveryLikely: false }));
      return uow.inBatch(events, async () => {
        for (const event of events) {
          const outcome = await uow.handle(event, async (manager) => {
            applied.push(event.eventId);
            await mark(manager, event.eventId);
          });
          if (outcome === 'duplicate') applied.push(`${event.eventId} (duplicate)`);
        }
      });
    };
    await run(['r1', 'r2']);
    await run(['r2', 'r3', 'r3']);
    // The optimistic attempt applied r2 and r3, then its inbox insert met r2 and rolled it all back.
    expect(applied).toEqual(['r1', 'r2', 'r2', 'r3', 'r3 (duplicate)', 'r2 (duplicate)', 'r3', 'r3 (duplicate)']);
    expect(await committedRows(schema)).toEqual(['r1', 'r2', 'r3']);
    // A record alone: the same, and told it was a duplicate.
    applied.length = 0;
    const again = await uow.handle({ eventId: 'r1', topic: 'redelivered', redeliveryLikely: false }, async (manager) => {
      applied.push('r1');
      await mark(manager, 'r1');
    });
    expect(again).toBe('duplicate');
    expect(applied).toEqual(['r1']); // applied once optimistically, rolled back
    expect(await committedRows(schema)).toEqual(['r1', 'r2', 'r3']);
    // Another failure is the batch's, as before: rolled back and thrown.
    await expect(
      uow.inBatch([{ eventId: 'r4', topic: 'redelivered', redeliveryLikely: false }], async () => {
        await uow.handle({ eventId: 'r4', topic: 'redelivered', redeliveryLikely: false }, async (manager) => {
          await manager.query(`INSERT INTO "${schema}".pair (id) VALUES (1)`);
        });
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".inbox WHERE event_id = 'r4'`)).toEqual([{ n: 0 }]);
  });

  it('runs a before-commit hook once per batch, after every handler, in the same transaction; after-commit hooks see it committed', async () => {
    const events = ['e1', 'e2', 'e3'].map((eventId) => ({ eventId, topic: 'hooks' }));
    const seenAfterCommit: string[][] = [];
    const pending: Array<Promise<string[]>> = [];
    await uow.inBatch(events, async () => {
      for (const event of events) {
        await uow.handle(event, async (manager, _outbox, hooks) => {
          await mark(manager, event.eventId);
          hooks.beforeCommit('pass', async () => {
            const before = (await manager.query(`SELECT name FROM "${schema}".marks ORDER BY id`)) as Array<{ name: string }>;
            await mark(manager, `pass after ${before.map((r) => r.name).join(',')}`);
          });
          hooks.afterCommit(() => void pending.push(committedRows(schema).then((rows) => (seenAfterCommit.push(rows), rows))));
        });
      }
      // Nothing is visible to other connections before the commit.
      expect(await committedRows(schema)).toEqual([]);
    });
    await Promise.all(pending);
    expect(await committedRows(schema)).toEqual(['e1', 'e2', 'e3', 'pass after e1,e2,e3']);
    expect(seenAfterCommit).toHaveLength(3);
    for (const rows of seenAfterCommit) expect(rows).toContain('pass after e1,e2,e3');
  });

  it('runs hooks registered by hooks, and neither kind when the transaction rolls back', async () => {
    const after = jest.fn();
    await uow.run(async (manager, _outbox, hooks) => {
      hooks.beforeCommit('first', async () => {
        await mark(manager, 'first');
        hooks.beforeCommit('second', () => mark(manager, 'second'));
      });
    });
    expect(await committedRows(schema)).toEqual(['first', 'second']);

    await expect(
      uow.run(async (manager, _outbox, hooks) => {
        hooks.beforeCommit('boom', async () => {
          await mark(manager, 'rolled back');
          throw new Error('hook failed');
        });
        hooks.afterCommit(after);
      }),
    ).rejects.toThrow('hook failed');
    expect(after).not.toHaveBeenCalled();
    expect(await committedRows(schema)).toEqual(['first', 'second']);
  });

  it('tells commit listeners about every committed transaction, batches included, but not quiet or rolled-back ones', async () => {
    const seen: string[][] = [];
    const unsubscribe = uow.onCommitted(() => void seen.push([]));
    const throwing = uow.onCommitted(() => {
      throw new Error('a listener bug');
    });
    try {
      await uow.run((manager) => mark(manager, 'command')); // 1
      await uow.handle({ eventId: randomUUID(), topic: 't' }, (manager) => mark(manager, 'record')); // 2
      const events = [randomUUID(), randomUUID()].map((eventId) => ({ eventId, topic: 't' }));
      await uow.inBatch(events, async () => {
        for (const e of events) await uow.handle(e, (manager) => mark(manager, e.eventId)); // 3: one commit for the batch
      });
      await uow.run((manager) => mark(manager, 'quiet'), { quiet: true });
      await expect(uow.run(async () => Promise.reject(new Error('rolled back')))).rejects.toThrow('rolled back');
      expect(seen).toHaveLength(3);
      expect(await committedRows(schema)).toHaveLength(5); // the throwing listener broke nothing
    } finally {
      unsubscribe();
      throwing();
    }
    await uow.run((manager) => mark(manager, 'after unsubscribe'));
    expect(seen).toHaveLength(3);
  });

  it('exposes the hooks of the running unit of work to code deep in its call chain, and none outside', async () => {
    expect(currentTransactionHooks()).toBeUndefined();
    const seen: unknown[] = [];
    const deep = async () => {
      await Promise.resolve();
      seen.push(currentTransactionHooks());
    };
    await uow.run(async (_manager, _outbox, hooks) => {
      await deep();
      expect(seen[0]).toBe(hooks);
    });
    const events = [{ eventId: 'x1', topic: 'deep' }];
    await uow.inBatch(events, () => uow.handle(events[0]!, async (_manager, _outbox, hooks) => {
      await deep();
      expect(seen[1]).toBe(hooks);
    }).then(() => undefined));
    expect(seen).toHaveLength(2);
    expect(currentTransactionHooks()).toBeUndefined();
  });

  it('reruns a transaction PostgreSQL aborted to break a deadlock, so both sides apply exactly once', async () => {
    // Two transactions lock the same two rows in opposite orders and meet in the middle.
    let arrived = 0;
    let release!: () => void;
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => (release = resolve));
    const attempts = { a: 0, b: 0 };
    const side = (name: 'a' | 'b', first: number, second: number) =>
      uow.run(async (manager) => {
        attempts[name]++;
        await manager.query(`UPDATE "${schema}".pair SET n = n + 1 WHERE id = $1`, [first]);
        if (attempts[name] === 1) {
          if (++arrived === 2) release();
          await bothHoldTheirFirstRow;
        }
        await manager.query(`UPDATE "${schema}".pair SET n = n + 1 WHERE id = $1`, [second]);
        await mark(manager, name);
      });
    await Promise.all([side('a', 1, 2), side('b', 2, 1)]);
    expect((await committedRows(schema)).sort()).toEqual(['a', 'b']);
    expect(attempts.a + attempts.b).toBe(3); // exactly one side was aborted and rerun
    const pair = (await dataSource.query(`SELECT n FROM "${schema}".pair ORDER BY id`)) as Array<{ n: number }>;
    expect(pair.map((r) => r.n)).toEqual([2, 2]);
  }, 30_000);
});
