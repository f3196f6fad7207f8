/**
 * Routing decisions in a consumed batch (real PostgreSQL, the real handler): their intakes are
 * written in one statement, before the batch's one matching pass takes the assignment lock, and
 * the batch leaves the same rows, assignments, events and outcomes as the same decisions applied
 * one by one, including a conversation routed twice and a resolved one that reopens.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { Channel, ConversationRoutedSchema, create, timestampFromDate, Topics, type ConversationRouted } from '@omni/contracts';
import type { ConsumedEvent } from '@omni/messaging';
import { createLogger, Metrics } from '@omni/observability';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { ManualClock } from '@omni/service-kit';
import { consumedEvent, statementsDuring, testEnv } from '@omni/testing';
import { AssignmentConfig } from './config';
import { routeIn } from './domain/intake';
import { resolveConversation } from './domain/resolve';
import { ASSIGNMENT_MIGRATIONS } from './migrations';
import { RoutedConversationHandler } from './routed.handler';
import { settingsFrom } from './settings';

const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const SECOND = 1_000;
const quiet = createLogger({ service: 'assignment-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** Conversation ids both services share, so that their rows compare one to one. */
const ids = { first: randomUUID(), second: randomUUID(), third: randomUUID(), reopened: randomUUID() };

/** A routing decision, routed `secondsAfter` NOW: the queue orders by that time, as records arrive. */
function routed(conversationId: string, secondsAfter: number, fields: Record<string, unknown> = {}): ConversationRouted {
  return create(ConversationRoutedSchema, {
    id: randomUUID(),
    conversationId,
    contactId: `contact-${conversationId.slice(0, 8)}`,
    channel: Channel.WHATSAPP,
    messageId: `wamid-${secondsAfter}`,
    queue: 'support',
    requiredSkills: ['billing'],
    language: 'en',
    priority: 0,
    reasons: [{ rule: 'keyword:refund', detail: 'the message mentions a refund' }],
    routedAt: timestampFromDate(new Date(NOW + secondsAfter * SECOND)),
    customer: { channelUserId: '15550001111' },
    accountId: 'waba-1',
    handoffContext: { order: 'A-1001' },
    ...fields,
  });
}

function consumed(value: ConversationRouted): ConsumedEvent<ConversationRouted> {
  return consumedEvent(Topics.conversationRouted, value, { key: value.conversationId, eventId: value.id, source: 'omni/router', time: new Date(NOW) });
}

/** The service's tables in a schema of their own, one agent with room for two, and the real handler on a manual clock. */
class Service {
  readonly schema = `assignment_routed_${randomUUID().slice(0, 8)}`;
  readonly metrics = new Metrics('assignment-test', { defaultMetrics: false });
  dataSource!: DataSource;
  uow!: UnitOfWork;
  handler!: RoutedConversationHandler;

  async open(clock: ManualClock): Promise<this> {
    this.dataSource = await openDataSource({ url: testEnv().databaseUrl, schema: this.schema, entities: [], migrations: ASSIGNMENT_MIGRATIONS });
    this.uow = new UnitOfWork(this.dataSource, undefined, 'omni/assignment-test', 'assignment-test');
    this.handler = new RoutedConversationHandler(this.uow, this.metrics, settingsFrom(new AssignmentConfig()), clock, quiet);
    return this;
  }

  async close(): Promise<void> {
    await this.dataSource?.query(`DROP SCHEMA "${this.schema}" CASCADE`);
    await this.dataSource?.destroy();
  }

  /** An online agent with room for two conversations, and a conversation resolved earlier, with what its last life left on its row. */
  async seed(): Promise<void> {
    const s = this.schema;
    await this.dataSource.query(`TRUNCATE "${s}".conversation_assignments, "${s}".agents, "${s}".outbox, "${s}".inbox CASCADE`);
    this.metrics.registry.resetMetrics();
    await this.dataSource.query(`INSERT INTO "${s}".agents (id, display_name, status, capacity, skill_levels, languages) VALUES ('ana', 'Ana', 'online', 2, '{"billing": 3}', '{en}')`);
    await this.dataSource.query(
      `INSERT INTO "${s}".conversation_assignments (conversation_id, state, agent_id, queue, priority, channel, contact_id, routed_at, since, assigned_at,
         resolved_at, resolution, excluded_agents, published_position, first_responded_at, sla_warned, sla_breaches, previous_agent_id, queue_reason, message_id)
       VALUES ($1, 'resolved', 'ana', 'sales', 5, 1, 'old-contact', $2, $2, $2, $2, 'solved', '{bo}', 3, $2, '{first-warned}', 1, 'bo', 'overflow:sales', 'wamid-old')`,
      [ids.reopened, new Date(NOW - 3_600 * SECOND)],
    );
  }

  /** As the consumer applies a batch: one transaction, the handler called for each record in order. */
  inBatch(decisions: ConversationRouted[]): Promise<void> {
    const events = decisions.map(consumed);
    return this.uow.inBatch(events, async () => {
      for (const event of events) await this.handler.onRouted(event);
    });
  }

  /** Record by record, each in its own transaction (a record consumed alone, or a failed batch replayed). */
  async oneByOne(decisions: ConversationRouted[]): Promise<void> {
    for (const decision of decisions) await this.handler.onRouted(consumed(decision));
  }

  /** Everything the decisions leave behind: the rows, the events (by topic and key) and the outcomes counted. */
  async contents(): Promise<{ rows: unknown[]; events: unknown[]; outcomes: Record<string, number> }> {
    const s = this.schema;
    const counted = (await this.metrics.registry.getSingleMetric('omni_assignment_outcomes_total')?.get())?.values ?? [];
    return {
      rows: await this.dataSource.query(`SELECT * FROM "${s}".conversation_assignments ORDER BY conversation_id`),
      events: await this.dataSource.query(`SELECT topic, record_key FROM "${s}".outbox ORDER BY topic, record_key`),
      outcomes: Object.fromEntries(counted.map((v) => [String(v.labels.outcome), v.value])),
    };
  }
}

describe('routing decisions in a consumed batch (real PostgreSQL)', () => {
  const clock = new ManualClock(new Date(NOW + 60 * SECOND));
  const oneByOne = new Service();
  const batched = new Service();

  beforeAll(async () => {
    await Promise.all([oneByOne.open(clock), batched.open(clock)]);
  }, 60_000);
  beforeEach(async () => {
    await Promise.all([oneByOne.seed(), batched.seed()]);
  });
  afterAll(async () => {
    await Promise.all([oneByOne.close(), batched.close()]);
  });

  /** Runs `consume`, returning the statements it made, in order. */
  const isIntake = (sql: string) => /INSERT INTO "[^"]+"\.conversation_assignments \(conversation_id, state/.test(sql);
  const isLock = (sql: string) => /pg_advisory_xact_lock|lock_then_queued/.test(sql);

  it('writes the intakes in one statement before the lock, and leaves what the decisions one by one leave', async () => {
    const decisions = [
      routed(ids.first, 1),
      routed(ids.second, 2, { priority: 3, replyDeadline: timestampFromDate(new Date(NOW + 86_400 * SECOND)) }),
      routed(ids.reopened, 3, { firstResponseTargetSeconds: 120 }),
      routed(ids.third, 4),
      // The same conversation again (another decision): open by now, one by one as in the batch.
      routed(ids.first, 5, { queue: 'other' }),
    ];
    const sequential = await statementsDuring(() => oneByOne.oneByOne(decisions));
    const batch = await statementsDuring(() => batched.inBatch(decisions));

    expect(sequential.filter(isIntake)).toHaveLength(4);
    expect(batch.filter(isIntake)).toHaveLength(1);
    // Written before the lock is taken for the pass, which reads the queue in the same statement.
    expect(batch.findIndex(isIntake)).toBeLessThan(batch.findIndex(isLock));
    expect(batch.filter(isLock)).toEqual([expect.stringContaining('lock_then_queued')]);
    // Under the lock the pass only reads, then writes once: the matched rows, the agents, the
    // waiting ones' positions and the outbox rows with their notices, in one statement.
    const underLock = batch.slice(batch.findIndex(isLock));
    // The full rows of the matched and of the waiting whose position moved: one read.
    expect(underLock.filter((sql) => sql.includes('WHERE conversation_id = ANY'))).toHaveLength(1);
    const writesUnderLock = underLock.filter((sql) => /\b(UPDATE|INSERT)\b/.test(sql));
    expect(writesUnderLock).toHaveLength(1);
    expect(writesUnderLock[0]).toMatch(/SET state = 'assigned'[\s\S]*agents SET last_assigned_at[\s\S]*SET published_position = v\.p[\s\S]*pg_notify[\s\S]*INSERT INTO "[^"]+"\."outbox"/);

    const expected = await oneByOne.contents();
    expect(await batched.contents()).toEqual(expected);
    // The one pass assigned the two first in queue order to the agent's two places; the others wait.
    expect(expected.outcomes).toEqual({ assigned: 2, queued: 2, 'already-open': 1 });
    const states = Object.fromEntries((expected.rows as Array<{ conversation_id: string; state: string; agent_id: string | null }>).map((r) => [r.conversation_id, [r.state, r.agent_id]]));
    expect(states).toEqual({ [ids.first]: ['assigned', 'ana'], [ids.second]: ['assigned', 'ana'], [ids.reopened]: ['queued', null], [ids.third]: ['queued', null] });
    // The reopened conversation starts afresh: nothing of its previous life is left.
    expect((expected.rows as Array<Record<string, unknown>>).find((r) => r.conversation_id === ids.reopened)).toMatchObject({
      queue: 'support',
      resolved_at: null,
      resolution: null,
      excluded_agents: [],
      first_responded_at: null,
      sla_warned: [],
      sla_breaches: 0,
      previous_agent_id: null,
      queue_reason: '',
      message_id: 'wamid-3',
      since: new Date(NOW + 3 * SECOND),
      first_response_due: new Date(NOW + 123 * SECOND),
      handoff_context: { order: 'A-1001' },
      required_skills: [{ name: 'billing', level: 1 }],
      routing_reasons: [{ rule: 'keyword:refund', detail: 'the message mentions a refund' }],
    });
  });

  it('writes the intakes queued before a repeated conversation when it is read again, and the rest before the pass', async () => {
    // The repeat's read must see its first routing: the intakes pending then are written first.
    const decisions = [routed(ids.first, 1), routed(ids.second, 2), routed(ids.first, 3), routed(ids.reopened, 4), routed(ids.third, 5)];
    await oneByOne.oneByOne(decisions);
    const batch = await statementsDuring(() => batched.inBatch(decisions));

    expect(batch.filter(isIntake)).toHaveLength(2);
    expect(await batched.contents()).toEqual(await oneByOne.contents());
    expect((await batched.contents()).outcomes).toEqual({ assigned: 2, queued: 2, 'already-open': 1 });
  });

  it('queues and assigns a decision consumed alone, in its own transaction', async () => {
    const statements = await statementsDuring(() => batched.oneByOne([routed(ids.first, 1)]));

    expect(statements.filter(isIntake)).toHaveLength(1);
    expect(statements.findIndex(isIntake)).toBeLessThan(statements.findIndex(isLock));
    const { rows, outcomes } = await batched.contents();
    expect(rows).toContainEqual(expect.objectContaining({ conversation_id: ids.first, state: 'assigned', agent_id: 'ana' }));
    expect(outcomes).toEqual({ assigned: 1 });
  });

  it('matches a conversation queued after the pass was scheduled (a resolve, then a routing, in one transaction)', async () => {
    const settings = settingsFrom(new AssignmentConfig());
    await batched.oneByOne([routed(ids.first, 1), routed(ids.second, 2)]); // the agent's two places taken
    const statements = await statementsDuring(() =>
      batched.uow.run(async (manager, outbox, hooks) => {
        await resolveConversation(manager, outbox, hooks, ids.first, 'solved', { settings, now: clock.now() }, () => clock.now());
        const result = await routeIn(manager, outbox, hooks, routed(ids.third, 3), settings, () => clock.now());
        expect(result.outcome).toBe('queued');
      }),
    );
    // The pass's hook came first, yet the intake is written before it takes the lock.
    expect(statements.findIndex(isIntake)).toBeLessThan(statements.findIndex(isLock));
    const { rows } = await batched.contents();
    expect(rows).toContainEqual(expect.objectContaining({ conversation_id: ids.third, state: 'assigned', agent_id: 'ana' }));
  });

  it('refuses to queue a conversation twice before its intake is written (a read that missed the first one)', async () => {
    const settings = settingsFrom(new AssignmentConfig());
    const blind = async () => undefined; // a read that does not write the pending intake first
    const work = batched.uow.run(async (manager, outbox, hooks) => {
      await routeIn(manager, outbox, hooks, routed(ids.third, 1), settings, () => clock.now(), blind);
      await routeIn(manager, outbox, hooks, routed(ids.third, 2), settings, () => clock.now(), blind);
    });
    await expect(work).rejects.toThrow(/queued twice before its intake was written/);
    expect((await batched.contents()).rows).toHaveLength(1); // the seed's resolved conversation alone
  });

  it('leaves nothing of a batch that fails after its intakes were queued', async () => {
    // Not a UUID: the batch's read of its conversations skips it, its own read fails the batch.
    await expect(batched.inBatch([routed(ids.first, 1), routed(ids.second, 2), routed('not-a-uuid', 3)])).rejects.toThrow();
    const { rows, events, outcomes } = await batched.contents();
    expect(rows).toHaveLength(1); // the resolved conversation of the seed, untouched
    expect(events).toEqual([]);
    expect(outcomes).toEqual({});
  });
});
