/**
 * Resolutions in a consumed batch (real PostgreSQL, the real handler): written together in one
 * statement just before the commit, each with the outcome it would have had applied alone, in
 * order, and counted by it then; a record consumed alone (a failed batch's replay) likewise; and
 * a customer message committed while the statement waits for the row is seen as one by one would.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConversationResolvedSchema, create, timestampFromDate, Topics, type ConversationResolved } from '@omni/contracts';
import type { ConsumedEvent } from '@omni/messaging';
import { createLogger, Metrics } from '@omni/observability';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { consumedEvent, statementsDuring, testEnv, waitFor } from '@omni/testing';
import { SystemClock } from './domain/clock';
import { createContact } from './domain/contacts';
import { openConversation, pendingConversationsOf, resolveConversation, writePendingResolutions, type Resolution, type ResolveOutcome } from './domain/conversations';
import { selectLatestConversationForUpdate } from './domain/rows';
import { NORMALIZER_MIGRATIONS } from './migrations';
import { ResolvedHandler } from './resolved.handler';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const quiet = createLogger({ service: 'normalizer-test', level: 'silent' });

function consumed(conversationId: string, resolvedAt: Date, resolution = 'solved', eventId = randomUUID()): ConsumedEvent<ConversationResolved> {
  const value = create(ConversationResolvedSchema, { id: eventId, conversationId, agentId: 'agent-ana', resolution, resolvedAt: timestampFromDate(resolvedAt) });
  return consumedEvent(Topics.conversationResolved, value, { key: conversationId, eventId, source: 'omni/assignment', time: resolvedAt });
}

describe('resolutions in a consumed batch (real PostgreSQL)', () => {
  const schema = `normalizer_resolved_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;
  let metrics: Metrics;
  let handler: ResolvedHandler;

  beforeAll(async () => {
    dataSource = await openDataSource({
      url: testEnv().databaseUrl,
      schema,
      entities: [],
      migrations: NORMALIZER_MIGRATIONS,
    });
    uow = new UnitOfWork(dataSource, undefined, 'omni/normalizer-test', 'normalizer-test');
  }, 60_000);
  beforeEach(() => {
    metrics = new Metrics('normalizer-test', { defaultMetrics: false });
    handler = new ResolvedHandler(uow, new SystemClock(), metrics, quiet);
  });
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });


  /** As the consumer applies a batch: one transaction, the handler called for each record in order. Returns the statements sent about conversations. */
  async function inBatch(events: ReadonlyArray<ConsumedEvent<ConversationResolved>>): Promise<string[]> {
    const sent = await statementsDuring(() =>
      uow.inBatch(events, async () => {
        for (const event of events) await handler.onResolved(event);
      }),
    );
    return sent.filter((sql) => sql.includes(`"${schema}".conversations`));
  }

  /** A conversation of a new contact, open unless resolved at `resolvedAt`, the customer's last message at `lastInboundAt`. */
  async function conversation(lastInboundAt: Date | null, resolvedAt?: Date): Promise<string> {
    const id = randomUUID();
    const contact = await dataSource.transaction((manager) => createContact(manager));
    await dataSource.query(
      `INSERT INTO "${schema}".conversations (id, contact_id, status, channels, opened_at, last_message_at, last_inbound_at, resolved_at, resolution, reopen_count)
       VALUES ($1, $2, $3, '{sms}', $4, $4, $5, $6, $7, 0)`,
      [id, contact.id, resolvedAt ? 'resolved' : 'open', at(-3_600_000), lastInboundAt, resolvedAt ?? null, resolvedAt ? 'earlier' : null],
    );
    return id;
  }

  const row = async (id: string) =>
    ((await dataSource.query(`SELECT status, resolved_at, resolution, resolved_by FROM "${schema}".conversations WHERE id = $1`, [id])) as Array<Record<string, unknown>>)[0];

  /** omni_normalizer_resolutions_total by outcome. */
  async function counted(): Promise<Record<string, number>> {
    const { values } = await metrics.counter('omni_normalizer_resolutions_total', 'Conversation resolutions by outcome', ['outcome']).get();
    return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
  }

  it('writes all resolutions of a batch in one statement, each with the outcome it would have alone, counted then', async () => {
    const [a, b, c] = [await conversation(at(0)), await conversation(null), await conversation(at(0), at(-60_000))];
    const first = consumed(a, at(1_000));
    const events = [
      consumed(a, at(-5_000), 'too early'), // superseded: the customer wrote after it
      consumed(randomUUID(), at(500)), // unknown
      first, // resolves a
      consumed(b, at(2_000)), // resolves b (the customer never wrote)
      consumed(a, at(3_000), 'again'), // a is resolved already
      consumed(c, at(4_000)), // c was resolved before the batch
      consumed('not-a-uuid', at(5_000)), // unknown
      first, // the same event again: the inbox absorbs it
    ];
    const statements = await inBatch(events);

    expect(statements).toHaveLength(1);
    expect(await counted()).toEqual({ resolved: 2, superseded: 1, 'already-resolved': 2, unknown: 2, redelivered: 1 });
    expect(await row(a)).toEqual({ status: 'resolved', resolved_at: at(1_000), resolution: 'solved', resolved_by: 'agent-ana' });
    expect(await row(b)).toEqual({ status: 'resolved', resolved_at: at(2_000), resolution: 'solved', resolved_by: 'agent-ana' });
    expect(await row(c)).toEqual({ status: 'resolved', resolved_at: at(-60_000), resolution: 'earlier', resolved_by: null });
  });

  it('a record consumed alone (a failed batch replayed record by record) is written and counted in its own transaction', async () => {
    const [open, superseding] = [await conversation(null), await conversation(at(10_000))];
    await handler.onResolved(consumed(open, at(1_000)));
    await handler.onResolved(consumed(superseding, at(1_000)));
    expect(await counted()).toEqual({ resolved: 1, superseded: 1 });
    expect(await row(open)).toMatchObject({ status: 'resolved', resolved_at: at(1_000) });
    expect(await row(superseding)).toMatchObject({ status: 'open', resolved_at: null });
  });

  it('a customer message committed while the statement waits for the row leaves it to a later resolution of the batch, as one by one would', async () => {
    const id = await conversation(at(5_000));
    // Another transaction holds the row: the customer writes at +15 s, after the first resolution.
    const customer = dataSource.createQueryRunner();
    await customer.connect();
    await customer.startTransaction();
    await customer.query(`UPDATE "${schema}".conversations SET last_inbound_at = $2 WHERE id = $1`, [id, at(15_000)]);
    const applying = inBatch([consumed(id, at(10_000), 'first'), consumed(id, at(20_000), 'second')]);
    await waitFor(
      async () => (await dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%"${schema}".conversations%`])).length === 1,
      { description: 'the batch waits for the row' },
    );
    await customer.commitTransaction();
    await customer.release();
    await applying;

    // Its snapshot let the first one resolve it; on the row as committed, only the second may.
    expect(await row(id)).toMatchObject({ status: 'resolved', resolved_at: at(20_000), resolution: 'second' });
    expect(await counted()).toEqual({ resolved: 1, superseded: 1 });
  });

  it("with the transaction's other conversation writes: a resolution finds a conversation opened before it, and a read after it sees it", async () => {
    const [earlier, contact] = [await conversation(null), await dataSource.transaction((manager) => createContact(manager))];
    const resolution = (conversationId: string, ms: number): Resolution => ({ conversationId, at: at(ms), resolution: 'solved', resolvedBy: null });
    const outcomes: ResolveOutcome[] = [];
    const written = (each: readonly ResolveOutcome[]) => outcomes.push(...each);
    let latest: unknown;
    await uow.inBatch([{ eventId: randomUUID(), topic: 'test' }], () =>
      uow.run(async (manager, _outbox, hooks) => {
        // The resolutions' write is due at the commit before the new conversations'.
        await resolveConversation(manager, resolution(earlier, 1_000), written);
        const opened = await openConversation(manager, contact.id, 'sms', at(2_000), null, true, pendingConversationsOf(manager, hooks));
        await resolveConversation(manager, resolution(opened.conversation.id, 3_000), written);
        await writePendingResolutions(manager, hooks);
        latest = await selectLatestConversationForUpdate(manager, contact.id);
      }),
    );
    expect(outcomes).toEqual(['resolved', 'resolved']);
    expect(latest).toMatchObject({ status: 'resolved', resolvedAt: at(3_000) });
  });
});
