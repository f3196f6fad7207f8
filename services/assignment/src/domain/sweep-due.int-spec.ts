/**
 * nextSweepDue against the real schema: the sweeper sleeps until this time, so each condition the
 * sweep acts on must show up here at the moment the sweep would act on it.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import type { AssignmentSettings } from '../settings';
import { nextSweepDue } from './sweep';
import { ASSIGNMENT_MIGRATIONS } from '../migrations';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

describe('nextSweepDue (real PostgreSQL)', () => {
  const schema = `sweep_due_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  const settings = { heartbeatTimeoutMs: 60_000, requeueGraceMs: 120_000, slaWarningRatio: 0.8, nextResponseMs: 600_000 } as AssignmentSettings;
  const due = async (overrides: Partial<AssignmentSettings> = {}) =>
    (await nextSweepDue(dataSource.manager, { settings: { ...settings, ...overrides }, now: at(0) }))?.getTime() ?? null;

  const agent = (id: string, status: string, fields: { heartbeat?: number; offlineSince?: number } = {}) =>
    dataSource.query(`INSERT INTO "${schema}".agents (id, display_name, status, capacity, last_heartbeat_at, offline_since, updated_at) VALUES ($1, $1, $2, 5, $3, $4, $5)`, [
      id,
      status,
      fields.heartbeat === undefined ? null : at(fields.heartbeat),
      fields.offlineSince === undefined ? null : at(fields.offlineSince),
      at(-3_600_000),
    ]);
  const conversation = (state: string, fields: Record<string, unknown> = {}) => {
    const row: Record<string, unknown> = { conversation_id: randomUUID(), state, queue: 'support', priority: 0, channel: 1, contact_id: 'c', routed_at: at(0), since: at(0), ...fields };
    const columns = Object.keys(row);
    return dataSource.query(`INSERT INTO "${schema}".conversation_assignments (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  };

  beforeAll(async () => {
    dataSource = await openDataSource({
      url: testEnv().databaseUrl,
      schema,
      entities: [],
      migrations: ASSIGNMENT_MIGRATIONS,
    });
  }, 60_000);
  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${schema}".conversation_assignments, "${schema}".agents, "${schema}".queues CASCADE`);
  });
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('is null when nothing is open and nobody is online', async () => {
    await agent('gone', 'offline', { offlineSince: -10_000 });
    expect(await due()).toBeNull();
  });

  it("is the earliest online agent's heartbeat deadline, unless presence is not heartbeat-driven", async () => {
    await agent('a', 'online', { heartbeat: -10_000 });
    await agent('b', 'online', { heartbeat: -20_000 });
    expect(await due()).toBe(T0 - 20_000 + 60_000);
    expect(await due({ heartbeatTimeoutMs: 0 })).toBeNull();
  });

  it('is the grace end of an offline agent who still holds a conversation', async () => {
    await agent('holder', 'offline', { offlineSince: -30_000 });
    expect(await due({ heartbeatTimeoutMs: 0 })).toBeNull(); // holds nothing: nothing to requeue
    await conversation('assigned', { agent_id: 'holder' });
    expect(await due({ heartbeatTimeoutMs: 0 })).toBe(T0 - 30_000 + 120_000);
  });

  it('is an offer expiry, and now while anything is queued (the pass is its retry)', async () => {
    await agent('o', 'online', { heartbeat: 0 });
    await conversation('offered', { agent_id: 'o', offer_expires_at: at(25_000) });
    expect(await due()).toBe(T0 + 25_000);
    await conversation('queued');
    expect(await due()).toBe(T0);
  });

  it('is the SLA warning time first, then the breach time once warned; the next-response warning uses the queue target', async () => {
    await agent('s', 'online', { heartbeat: 0 });
    // First response due in 100 s from since: warned at 80 % of the way.
    await conversation('assigned', { agent_id: 's', since: at(0), first_response_due: at(100_000) });
    expect(await due({ heartbeatTimeoutMs: 0 })).toBe(T0 + 80_000);
    await dataSource.query(`UPDATE "${schema}".conversation_assignments SET sla_warned = '{first-warned}'`);
    expect(await due({ heartbeatTimeoutMs: 0 })).toBe(T0 + 100_000);
    await dataSource.query(`UPDATE "${schema}".conversation_assignments SET sla_warned = '{first-breached}'`);
    expect(await due({ heartbeatTimeoutMs: 0 })).toBeNull();

    // Next response due at +300 s on a queue whose target is 200 s: warned 40 s before the due time.
    await dataSource.query(`INSERT INTO "${schema}".queues (name, strategy, next_response_ms) VALUES ('support', 'least-busy', 200000)`);
    await dataSource.query(`UPDATE "${schema}".conversation_assignments SET next_response_due = $1`, [at(300_000)]);
    expect(await due({ heartbeatTimeoutMs: 0 })).toBe(T0 + 300_000 - 40_000);
    expect(await due({ heartbeatTimeoutMs: 0, slaWarningRatio: 0 })).toBe(T0 + 300_000);
  });
});
