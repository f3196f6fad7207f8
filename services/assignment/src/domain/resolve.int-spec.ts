/**
 * Resolves and the assignment lock on real PostgreSQL: a resolve that finds nobody waiting holds
 * the lock shared (resolves do not wait for each other), one that finds a conversation waiting
 * runs the pass exclusive and hands it the freed room, and a conversation queued while a resolve
 * waits for the lock is not left waiting beside the room it freed.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { openDataSource, UnitOfWork, type OutboxWriter, type TransactionHooks } from '@omni/persistence';
import { statementsDuring, testEnv } from '@omni/testing';
import { AssignmentConfig } from '../config';
import { ASSIGNMENT_MIGRATIONS } from '../migrations';
import { settingsFrom } from '../settings';
import { assignmentLockEntries } from '../testing/assignment-lock';
import { foldQueueHandleTimes } from './handle-times';
import { observeAssignmentsWith } from './observations';
import { resolveConversation, type ResolveResult } from './resolve';

describe('resolving and the assignment lock (real PostgreSQL)', () => {
  const schema = `assignment_resolve_${randomUUID().slice(0, 8)}`;
  const settings = settingsFrom(new AssignmentConfig());
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let lockRequests = 0;

  const agent = (id: string, capacity = 1) =>
    dataSource.query(`INSERT INTO "${schema}".agents (id, display_name, status, capacity) VALUES ($1, $1, 'online', $2)`, [id, capacity]);
  const conversation = async (state: 'queued' | 'assigned', agentId: string | null = null): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO "${schema}".conversation_assignments (conversation_id, state, agent_id, queue, priority, channel, contact_id, routed_at, since, assigned_at)
       VALUES ($1, $2, $3, 'support', 0, 1, 'c', now(), now(), CASE WHEN $2 = 'assigned' THEN now() - interval '90 seconds' END)`,
      [id, state, agentId],
    );
    return id;
  };
  const stateOf = async (id: string) =>
    ((await dataSource.query(`SELECT state, agent_id FROM "${schema}".conversation_assignments WHERE conversation_id = $1`, [id])) as Array<{ state: string; agent_id: string | null }>)[0];
  /** Modes in which sessions hold or wait for this schema's assignment lock, seen from another connection. */
  const lockModes = async (): Promise<string[]> => (await assignmentLockEntries(dataSource, schema)).map((l) => `${l.mode}${l.granted ? '' : ' (waiting)'}`);

  /** Resolves in its own unit of work; `beforeCommit` runs after the resolve's own pre-commit work. */
  const resolve = (id: string, beforeCommit?: () => Promise<void>, attempts?: { n: number }) =>
    uow.run(async (manager, outbox, hooks) => {
      if (attempts) attempts.n++;
      await resolveConversation(manager, outbox, hooks, id, 'done', { settings, now: new Date() }, () => new Date());
      if (beforeCommit) hooks.beforeCommit('test.before-commit', beforeCommit);
    });

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: ASSIGNMENT_MIGRATIONS });
    uow = new UnitOfWork(dataSource, undefined, 'omni/assignment-test', 'assignment-test');
    observeAssignmentsWith({ assigned: () => undefined, slaBreached: () => undefined, lockWaited: () => void lockRequests++ });
  }, 60_000);
  beforeEach(async () => {
    lockRequests = 0;
    await dataSource.query(`TRUNCATE "${schema}".conversation_assignments, "${schema}".agents, "${schema}".queues, "${schema}".handle_times CASCADE`);
  });
  afterAll(async () => {
    observeAssignmentsWith(undefined);
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('holds the lock shared when nobody waits, so two resolves run at the same time', async () => {
    await agent('ana');
    await agent('bo');
    const first = await conversation('assigned', 'ana');
    const second = await conversation('assigned', 'bo');
    let seen: string[] = [];
    await resolve(first, async () => {
      seen = await lockModes();
      // The second resolve commits while the first still holds the lock: it would hang if either took it exclusive.
      await Promise.race([resolve(second), new Promise((_, reject) => setTimeout(() => reject(new Error('the second resolve waited for the first')), 5_000))]);
    });
    expect(seen).toEqual(['ShareLock']);
    expect(lockRequests).toBe(2);
    expect(await stateOf(first)).toEqual({ state: 'resolved', agent_id: 'ana' });
    expect(await stateOf(second)).toEqual({ state: 'resolved', agent_id: 'bo' });
    expect(await lockModes()).toEqual([]);
  });

  it('takes the shared lock in the statement that writes its outbox rows: two statements in all', async () => {
    await agent('ana');
    const held = await conversation('assigned', 'ana');
    const sql = await statementsDuring(() => resolve(held));
    // The row locked and resolved; then the handle time, events, notification and lock together.
    // The commit is the only round trip under the lock.
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatch(/FOR UPDATE[\s\S]*UPDATE "[^"]+"\.conversation_assignments/);
    expect(sql[1]).toMatch(/INSERT INTO "[^"]+"\.handle_times/);
    expect(sql[1]).toMatch(/share_lock_if_nobody_waits/);
    expect(sql[1]).toMatch(/INSERT INTO "[^"]+"\."outbox"/);
    expect(sql[1]).toMatch(/pg_notify/);
    expect(lockRequests).toBe(1);
    expect(await stateOf(held)).toEqual({ state: 'resolved', agent_id: 'ana' });
  });

  it('resolves once when two resolves of one conversation race: the second waits for the row, finds it resolved and changes nothing', async () => {
    await agent('ana');
    const held = await conversation('assigned', 'ana');
    const run = (resolution: string) => (manager: EntityManager, outbox: OutboxWriter, hooks: TransactionHooks) =>
      resolveConversation(manager, outbox, hooks, held, resolution, { settings, now: new Date() }, () => new Date());
    let second: Promise<ResolveResult | undefined> | undefined;
    const first = await uow.run(async (manager, outbox, hooks) => {
      const done = await run('first')(manager, outbox, hooks);
      second = uow.run(run('second'));
      // Until the second waits for the row this transaction locked.
      const waiting = () =>
        dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%"${schema}".conversation_assignments%FOR UPDATE%`]) as Promise<Array<{ n: number }>>;
      for (let i = 0; i < 200 && (await waiting())[0]!.n === 0; i++) await new Promise((r) => setTimeout(r, 25));
      return done;
    });
    const later = await second;
    expect(first?.resolved).toMatchObject({ agentId: 'ana' });
    expect(later?.resolved).toBeNull();
    expect(later?.before).toMatchObject({ state: 'resolved', resolution: 'first', agent_id: 'ana' });
    expect(await dataSource.query(`SELECT resolution FROM "${schema}".conversation_assignments WHERE conversation_id = $1`, [held])).toEqual([{ resolution: 'first' }]);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".handle_times`)).toEqual([{ n: 1 }]);
  });

  it('leaves the conversation as it was when the check refuses (a rollback), and finds no conversation it never saw', async () => {
    await agent('ana');
    const held = await conversation('assigned', 'ana');
    const refused = uow.run((manager, outbox, hooks) =>
      resolveConversation(manager, outbox, hooks, held, 'nope', { settings, now: new Date() }, () => new Date(), () => {
        throw new Error('not yours');
      }),
    );
    await expect(refused).rejects.toThrow('not yours');
    expect(await stateOf(held)).toEqual({ state: 'assigned', agent_id: 'ana' });
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".handle_times`)).toEqual([{ n: 0 }]);
    const unknown = await uow.run((manager, outbox, hooks) => resolveConversation(manager, outbox, hooks, randomUUID(), null, { settings, now: new Date() }, () => new Date()));
    expect(unknown).toBeUndefined();
  });

  it('runs the pass exclusive when someone waits, and hands them the freed room', async () => {
    await agent('ana');
    const held = await conversation('assigned', 'ana');
    const waiting = await conversation('queued');
    let seen: string[] = [];
    await resolve(held, async () => void (seen = await lockModes()));
    expect(seen).toEqual(['ExclusiveLock']);
    expect(await stateOf(waiting)).toEqual({ state: 'assigned', agent_id: 'ana' });
  });

  it('reruns exclusive when a conversation was queued while it waited for the lock', async () => {
    await agent('ana');
    const held = await conversation('assigned', 'ana');
    // Another transaction holds the lock exclusive, as an intake's pass does when it finds no room.
    const intake = dataSource.createQueryRunner();
    await intake.connect();
    await intake.startTransaction();
    await intake.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${schema}.assignment`]);
    const attempts = { n: 0 };
    const resolving = resolve(held, undefined, attempts);
    // The resolve looked before the intake committed (nobody waiting) and now waits to share the lock.
    for (let i = 0; i < 100 && !(await lockModes()).includes('ShareLock (waiting)'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lockModes()).toEqual(['ExclusiveLock', 'ShareLock (waiting)']);
    const waiting = randomUUID();
    await intake.query(
      `INSERT INTO "${schema}".conversation_assignments (conversation_id, state, queue, priority, channel, contact_id, routed_at, since) VALUES ($1, 'queued', 'support', 0, 1, 'c', now(), now())`,
      [waiting],
    );
    await intake.commitTransaction();
    await intake.release();
    await resolving;
    expect(attempts.n).toBe(2);
    expect(await stateOf(held)).toEqual({ state: 'resolved', agent_id: 'ana' });
    expect(await stateOf(waiting)).toEqual({ state: 'assigned', agent_id: 'ana' });
  });

  it("records each resolve's handle time, and the sweep's fold moves them into the queue's average", async () => {
    await agent('ana', 2);
    const first = await conversation('assigned', 'ana');
    const second = await conversation('assigned', 'ana');
    await resolve(first);
    await resolve(second);
    const unassigned = await conversation('queued');
    await resolve(unassigned); // nobody handled it: no handle time
    const times = (await dataSource.query(`SELECT queue, handle_ms FROM "${schema}".handle_times ORDER BY id`)) as Array<{ queue: string; handle_ms: number }>;
    expect(times.map((t) => t.queue)).toEqual(['support', 'support']);
    for (const t of times) expect(t.handle_ms).toBeGreaterThanOrEqual(90_000);

    expect(await dataSource.transaction((manager) => foldQueueHandleTimes(manager, settings.defaultStrategy))).toBe(2);
    const [queue] = (await dataSource.query(`SELECT avg_handle_ms FROM "${schema}".queues WHERE name = 'support'`)) as Array<{ avg_handle_ms: number }>;
    expect(queue!.avg_handle_ms).toBe(Math.round(times[0]!.handle_ms * 0.8 + times[1]!.handle_ms * 0.2));
    expect(await dataSource.query(`SELECT * FROM "${schema}".handle_times`)).toEqual([]);
    expect(await dataSource.transaction((manager) => foldQueueHandleTimes(manager, settings.defaultStrategy))).toBe(0);
  });
});
