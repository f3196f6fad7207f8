import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { Channel, create, dlqTopicName, fromBinary, RawInboundSchema, Topics } from '@omni/contracts';
import { consumerGroupId, DLQ_HEADERS, EventConsumer, EventPublisher, headersToStrings, KafkaConnection, physicalTopic, type KafkaSettings } from '@omni/messaging';
import { createLogger, Metrics } from '@omni/observability';
import { readTopicRecords, statementsDuring, waitFor } from '@omni/testing';
import { BatchUnitOfWorkScope, openDataSource, OutboxRelay, UnitOfWork, type OutboxRelayOptions, type OutboxWriter } from './index';

const root = join(__dirname, '../../..');
const quiet = createLogger({ service: 'persistence-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omni_dev_tests';
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

function settings(tag: string): KafkaSettings {
  return { brokers: brokers.split(','), service: tag, topicPrefix: `${process.env.OMNI_TOPIC_PREFIX ?? ''}${tag}-${randomUUID().slice(0, 8)}.`, partitions: 1, sessionTimeoutMs: 6_000 };
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function runConsumer(env: Record<string, string>): { child: ChildProcess; lines: string[]; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'testing/crash-consumer.fixture.ts')], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, lines, exited };
}

describe('exactly-once effects on real Kafka and PostgreSQL', () => {
  it('does not repeat any effect when a consumer dies mid-batch, after its DB commit and before the offset commit', async () => {
    const s = settings('crash');
    const schema = `crash_${randomUUID().slice(0, 8)}`;
    const connection = new KafkaConnection(s, quiet);
    await connection.ensureTopics([Topics.inboundRaw]);
    const ids = ['raw-1', 'raw-2', 'raw-3', 'raw-4', 'raw-5'];
    // Published before the consumer starts, so they arrive as one batch.
    const publisher = new EventPublisher(connection);
    for (const id of ids) await publisher.publish(Topics.inboundRaw, 'messenger:p:u', create(RawInboundSchema, { id, channel: Channel.MESSENGER }));

    const crashing = runConsumer({ MODE: 'crash', SCHEMA: schema, PREFIX: s.topicPrefix });
    expect(await crashing.exited).toBe('SIGKILL');
    expect(crashing.lines).toContain('committed-batch 5');
    expect(crashing.lines.filter((l) => l.startsWith('applied '))).toEqual(ids.map((id) => `applied ${id}`));
    expect(await query(`SELECT raw_id FROM "${schema}".effects ORDER BY raw_id`)).toEqual(ids.map((raw_id) => ({ raw_id })));

    const admin = await connection.admin();
    const groupId = consumerGroupId({ ...s, service: 'crash-test' });
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [`${s.topicPrefix}${Topics.inboundRaw.name}`] }))[0]!.partitions[0]!.offset;
    expect(await committed()).toBe('-1'); // the crash happened before the commit

    const healthy = runConsumer({ MODE: 'normal', SCHEMA: schema, PREFIX: s.topicPrefix });
    try {
      await waitFor(() => ids.every((id) => healthy.lines.includes(`duplicate ${id}`)), { description: 'the whole batch redelivered and seen as duplicate', timeoutMs: 60_000 });
      await waitFor(async () => (await committed()) === '5', { description: 'offset committed after redelivery', timeoutMs: 30_000 });
    } finally {
      healthy.child.kill('SIGTERM');
      await healthy.exited;
      await connection.close();
    }
    expect(healthy.lines.filter((l) => l.startsWith('applied '))).toEqual([]);
    expect(await query(`SELECT raw_id, count(*)::int AS n FROM "${schema}".effects GROUP BY raw_id ORDER BY raw_id`)).toEqual(ids.map((raw_id) => ({ raw_id, n: 1 })));
    expect(await query(`SELECT count(*)::int AS n FROM "${schema}".inbox`)).toEqual([{ n: 5 }]);
  }, 120_000);

  it('sends a poison record in the middle of a batch to the DLQ, applies the others once, and commits the offset', async () => {
    const s = { ...settings('poison'), handlerRetries: 2, handlerRetryBaseMs: 10 };
    const schema = `poison_${randomUUID().slice(0, 8)}`;
    const dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    await dataSource.query(`CREATE TABLE "${schema}"."effects" (raw_id text NOT NULL)`);
    const connection = new KafkaConnection(s, quiet);
    await connection.ensureTopics([Topics.inboundRaw]);
    const publisher = new EventPublisher(connection);
    const ids = ['a', 'b', 'poison', 'd', 'e'];
    for (const id of ids) await publisher.publish(Topics.inboundRaw, 'k', create(RawInboundSchema, { id, channel: Channel.MESSENGER }));

    const uow = new UnitOfWork(dataSource, undefined, 'omni/poison-test', 'poison-test');
    const batches: number[] = [];
    const scope = new BatchUnitOfWorkScope(uow);
    const consumer = new EventConsumer(connection, quiet, undefined, {
      batchScope: { run: (events, apply) => (batches.push(events.length), scope.run(events, apply)) },
    });
    let poisonAttempts = 0;
    consumer.subscribe(Topics.inboundRaw, async (event) => {
      await uow.handle(event, async (manager) => {
        await manager.query(`INSERT INTO "${schema}"."effects" (raw_id) VALUES ($1)`, [event.value.id]);
        if (event.value.id === 'poison') {
          poisonAttempts++;
          throw new Error('cannot apply this one');
        }
      });
    });
    const admin = await connection.admin();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: consumerGroupId(s), topics: [`${s.topicPrefix}${Topics.inboundRaw.name}`] }))[0]!.partitions[0]!.offset;
    try {
      await consumer.start();
      await waitFor(async () => (await committed()) === '5', { description: 'offset committed past the whole batch', timeoutMs: 60_000 });
      expect(batches).toEqual([5]); // tried as one batch, then replayed record by record
      expect(poisonAttempts).toBe(1 + 3); // once in the batch, then first try + 2 retries alone
      expect(await query(`SELECT raw_id, count(*)::int AS n FROM "${schema}".effects GROUP BY raw_id ORDER BY raw_id`)).toEqual(
        ['a', 'b', 'd', 'e'].map((raw_id) => ({ raw_id, n: 1 })),
      );
      const dlq = await readTopicRecords(s.brokers, physicalTopic(s, dlqTopicName(Topics.inboundRaw.name)), 1);
      expect(fromBinary(RawInboundSchema, dlq[0]!.value!).id).toBe('poison');
      expect(headersToStrings(dlq[0]!.headers)).toMatchObject({ [DLQ_HEADERS.error]: 'cannot apply this one', [DLQ_HEADERS.attempts]: '3', [DLQ_HEADERS.originalOffset]: '2' });
    } finally {
      await consumer.stop();
      await connection.close();
      await dataSource.destroy();
    }
  }, 120_000);

  it('applies the batches one fetch brings from several partitions of a topic in one transaction, and commits their offsets in one request', async () => {
    const s = { ...settings('rounds'), partitions: 3 };
    const schema = `rounds_${randomUUID().slice(0, 8)}`;
    const dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    await dataSource.query(`CREATE TABLE "${schema}"."effects" (raw_id text NOT NULL, part int NOT NULL)`);
    const connection = new KafkaConnection(s, quiet);
    await connection.ensureTopics([Topics.inboundRaw]);
    const publisher = new EventPublisher(connection);
    // Nine customers: their keys spread over the three partitions (the test checks it below).
    const ids = Array.from({ length: 9 }, (_, i) => `customer-${i}`);
    for (const id of ids) await publisher.publish(Topics.inboundRaw, id, create(RawInboundSchema, { id, channel: Channel.MESSENGER }));
    const topic = physicalTopic(s, Topics.inboundRaw.name);
    const admin = await connection.admin();
    const filled = (await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== '0');
    expect(filled.length).toBeGreaterThan(1);

    const uow = new UnitOfWork(dataSource, undefined, 'omni/rounds-test', 'rounds-test');
    const scope = new BatchUnitOfWorkScope(uow);
    const transactions: number[][] = [];
    const metrics = new Metrics('rounds-test', { defaultMetrics: false });
    const consumer = new EventConsumer(connection, quiet, metrics, {
      batchScope: { run: (events, apply) => (transactions.push([...new Set(events.map((e) => e.partition))]), scope.run(events, apply)) },
    });
    consumer.subscribe(Topics.inboundRaw, async (event) => {
      await uow.handle(event, async (manager) => void (await manager.query(`INSERT INTO "${schema}"."effects" (raw_id, part) VALUES ($1, $2)`, [event.value.id, event.partition])));
    });
    const committed = async () => (await admin.fetchOffsets({ groupId: consumerGroupId(s), topics: [topic] }))[0]!.partitions;
    try {
      await consumer.start();
      await waitFor(async () => (await committed()).every((p) => p.offset === (filled.find((f) => f.partition === p.partition)?.high ?? '-1')), {
        description: 'every partition committed',
        timeoutMs: 60_000,
      });
      // One fetch brought every partition's records: one transaction held them all...
      expect(transactions).toHaveLength(1);
      expect(transactions[0]!.sort()).toEqual(filled.map((p) => p.partition).sort());
      expect(await query(`SELECT count(*)::int AS n, count(DISTINCT raw_id)::int AS ids FROM "${schema}".effects`)).toEqual([{ n: 9, ids: 9 }]);
      // ...and one request committed their offsets.
      expect((await metrics.render()).body).toMatch(/omni_kafka_offset_commits_total\{[^}]*\} 1$/m);
    } finally {
      await consumer.stop();
      await connection.close();
      await dataSource.destroy();
    }
  }, 120_000);

  it('drains the batch in hand on shutdown: every record applied once and the offset committed', async () => {
    const s = settings('drain');
    const schema = `drain_${randomUUID().slice(0, 8)}`;
    const dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    await dataSource.query(`CREATE TABLE "${schema}"."effects" (raw_id text NOT NULL)`);
    const connection = new KafkaConnection(s, quiet);
    await connection.ensureTopics([Topics.inboundRaw]);
    const publisher = new EventPublisher(connection);
    const ids = Array.from({ length: 10 }, (_, i) => `slow-${i}`);
    for (const id of ids) await publisher.publish(Topics.inboundRaw, 'k', create(RawInboundSchema, { id, channel: Channel.MESSENGER }));

    const uow = new UnitOfWork(dataSource, undefined, 'omni/drain-test', 'drain-test');
    const consumer = new EventConsumer(connection, quiet, undefined, { batchScope: new BatchUnitOfWorkScope(uow) });
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    consumer.subscribe(Topics.inboundRaw, async (event) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 100)); // a slow effect: the batch takes ~1 s
      await uow.handle(event, async (manager) => void (await manager.query(`INSERT INTO "${schema}"."effects" (raw_id) VALUES ($1)`, [event.value.id])));
    });
    const admin = await connection.admin();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: consumerGroupId(s), topics: [`${s.topicPrefix}${Topics.inboundRaw.name}`] }))[0]!.partitions[0]!.offset;
    try {
      await consumer.start();
      await firstStarted;
      await consumer.stop(); // mid-batch
      expect(await query(`SELECT raw_id, count(*)::int AS n FROM "${schema}".effects GROUP BY raw_id ORDER BY raw_id`)).toEqual(ids.sort().map((raw_id) => ({ raw_id, n: 1 })));
      expect(await committed()).toBe('10');
    } finally {
      await consumer.stop();
      await connection.close();
      await dataSource.destroy();
    }
  }, 120_000);

  it('relays outbox rows written in the effect transaction to Kafka exactly once per unit of work', async () => {
    const rig = await startOutboxRig('outbox');
    try {
      const event = { eventId: 'evt-1', topic: 'test' };
      const write = rig.write('from-outbox');
      expect(await rig.uow.handle(event, write)).toBe('applied');
      expect(await rig.uow.handle(event, write)).toBe('duplicate');
      await waitFor(() => rig.seen.includes('from-outbox'), { description: 'outbox record on Kafka', timeoutMs: 30_000 });
      await waitFor(async () => (await rig.published()).length === 1, { description: 'row marked published' });
      expect(rig.seen).toEqual(['from-outbox']);
    } finally {
      await rig.stop();
    }
  }, 60_000);

  it('publishes, in order, outbox rows a before-commit hook wrote early together with the rest', async () => {
    const rig = await startOutboxRig('early');
    try {
      await rig.uow.run(async (manager, outbox, hooks) => {
        await rig.write('first')(manager, outbox);
        hooks.beforeCommit('early', async () => {
          // As assignment does before taking its lock: what was collected so far goes in now.
          expect((await outbox.flush(manager)).map((r) => r.envelope.key)).toEqual(['first']);
          expect((await outbox.flush(manager)).map((r) => r.envelope.key)).toEqual(['first']); // nothing new: no second row
          await rig.write('second')(manager, outbox);
        });
      });
      await waitFor(() => rig.seen.length === 2, { description: 'both records on Kafka', timeoutMs: 30_000 });
      expect(rig.seen).toEqual(['first', 'second']);
      expect(await query(`SELECT record_key FROM "${rig.schema}".outbox ORDER BY id`)).toEqual([{ record_key: 'first' }, { record_key: 'second' }]);
    } finally {
      await rig.stop();
    }
  }, 60_000);

  it('sends notifications in the outbox statement, in the order made, and only when the transaction commits', async () => {
    const rig = await startOutboxRig('notices', { markDelayMs: 600_000 });
    const channel = `${rig.schema}_notices`;
    const listener = await listenTo(channel);
    const { heard } = listener;
    const notify = (payload: string) => (_manager: unknown, outbox: OutboxWriter) => {
      outbox.notify({ channel, payload });
      return Promise.resolve();
    };
    try {
      // With records (the second transaction also marks the first's row in passing): one statement each.
      for (const id of ['a', 'b']) {
        await rig.uow.run(async (manager, outbox) => {
          await notify(`${id}-1`)(manager, outbox);
          await rig.write(id)(manager, outbox);
          await notify(`${id}-2`)(manager, outbox);
        });
        await waitFor(() => rig.seen.includes(id), { description: `${id} on Kafka`, timeoutMs: 30_000 });
      }
      await waitFor(() => heard.length === 4, { description: 'notices with records' });
      expect(await rig.published()).toEqual(['a']);
      // Without records: a statement of their own.
      await rig.uow.run(notify('alone'));
      await waitFor(() => heard.length === 5, { description: 'notice without records' });
      // Sent in the outbox statement, then the commit fails: never heard.
      await rig.dataSource.query(`CREATE TABLE "${rig.schema}".fails_at_commit (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
      const failing = rig.uow.run(async (manager, outbox) => {
        await manager.query(`INSERT INTO "${rig.schema}".fails_at_commit VALUES (1), (1)`);
        await notify('rolled-back')(manager, outbox);
        await rig.write('c')(manager, outbox);
      });
      await expect(failing).rejects.toThrow(/duplicate key/);
      await rig.uow.run(notify('after'));
      await waitFor(() => heard.length === 6, { description: 'notice after the rollback' });
      expect(heard).toEqual(['a-1', 'a-2', 'b-1', 'b-2', 'alone', 'after']);
      expect(rig.seen).toEqual(['a', 'b']);
    } finally {
      await listener.end();
      await rig.stop();
    }
  }, 60_000);

  it('evaluates an expression in the outbox statement (flushAlong): once, with rows, notices, marks or nothing to write', async () => {
    const rig = await startOutboxRig('along', { markDelayMs: 600_000 });
    const channel = `${rig.schema}_along`;
    const listener = await listenTo(channel);
    const { heard } = listener;
    // Counts its calls: evaluated more than once, or not at all, would show.
    await rig.dataSource.query(`CREATE TABLE "${rig.schema}".calls (n int)`);
    await rig.dataSource.query(
      `CREATE FUNCTION "${rig.schema}".counted(v text) RETURNS text VOLATILE LANGUAGE sql AS $$ INSERT INTO "${rig.schema}".calls VALUES (1); SELECT v || '!' $$`,
    );
    const calls = async () => Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${rig.schema}".calls`))[0]!.n);
    const along = (manager: EntityManager, outbox: OutboxWriter, value: string) => outbox.flushAlong<string>(manager, (bind) => `"${rig.schema}".counted(${bind(value)})`);
    try {
      await rig.uow.run(rig.write('a'));
      await waitFor(() => rig.seen.includes('a'), { description: 'a on Kafka', timeoutMs: 30_000 });
      // Rows, a notice and a mark of a's row: one statement, from a before-commit hook as assignment does.
      const withRows = await statementsDuring(() =>
        rig.uow.run(async (manager, outbox, hooks) => {
          await rig.write('b')(manager, outbox);
          await rig.write('c')(manager, outbox);
          outbox.notify({ channel, payload: 'with rows' });
          hooks.beforeCommit('along', async () => expect(await along(manager, outbox, 'x')).toBe('x!'));
        }),
      );
      expect(withRows.filter((sql) => /outbox|counted|pg_notify/.test(sql))).toHaveLength(1);
      expect(await calls()).toBe(1);
      expect(await rig.published()).toEqual(['a']);
      // A notice alone, then nothing at all: one statement each, evaluated once each.
      await rig.uow.run(async (manager, outbox) => {
        outbox.notify({ channel, payload: 'alone' });
        expect(await along(manager, outbox, 'y')).toBe('y!');
      });
      await rig.uow.run(async (manager, outbox) => expect(await along(manager, outbox, 'z')).toBe('z!'));
      expect(await calls()).toBe(3);
      await waitFor(() => rig.seen.length === 3 && heard.length === 2, { description: 'rows on Kafka and notices heard' });
      expect(rig.seen).toEqual(['a', 'b', 'c']);
      expect(heard).toEqual(['with rows', 'alone']);
    } finally {
      await listener.end();
      await rig.stop();
    }
  }, 60_000);

  it('runs companion writes in the outbox statement (flushWith): with rows, with notices alone, and alone', async () => {
    const rig = await startOutboxRig('with', { markDelayMs: 600_000 });
    const channel = `${rig.schema}_with`;
    const listener = await listenTo(channel);
    const { heard } = listener;
    await rig.dataSource.query(`CREATE TABLE "${rig.schema}".items (id int PRIMARY KEY, v text)`);
    await rig.dataSource.query(`INSERT INTO "${rig.schema}".items VALUES (1, 'one'), (2, 'two')`);
    const items = async () => query<{ id: number; v: string }>(`SELECT id, v FROM "${rig.schema}".items ORDER BY id`);
    const set = (id: number, v: string) => (bind: (value: unknown) => string) => `UPDATE "${rig.schema}".items SET v = ${bind(v)} WHERE id = ${bind(id)}`;
    const add = (id: number, v: string) => (bind: (value: unknown) => string) => `INSERT INTO "${rig.schema}".items VALUES (${bind(id)}, ${bind(v)})`;
    try {
      // Rows, a notice and two writes: one statement, every write done, and seen by what follows.
      const withRows = await statementsDuring(() =>
        rig.uow.run(async (manager, outbox) => {
          await rig.write('a')(manager, outbox);
          outbox.notify({ channel, payload: 'with rows' });
          await outbox.flushWith(manager, [set(1, 'uno'), add(3, 'tres')]);
          expect(await manager.query(`SELECT count(*)::int AS n FROM "${rig.schema}".items`)).toEqual([{ n: 3 }]);
        }),
      );
      expect(withRows.filter((sql) => /outbox|items|pg_notify/.test(sql))).toHaveLength(2); // the flush, then the test's count
      expect(await items()).toEqual([{ id: 1, v: 'uno' }, { id: 2, v: 'two' }, { id: 3, v: 'tres' }]);
      // A notice and a write without rows, then a write alone: one statement each.
      const withoutRows = await statementsDuring(async () => {
        await rig.uow.run(async (manager, outbox) => {
          outbox.notify({ channel, payload: 'alone' });
          await outbox.flushWith(manager, [set(2, 'dos')]);
        });
        await rig.uow.run((manager, outbox) => outbox.flushWith(manager, [set(3, 'three')]));
      });
      expect(withoutRows.filter((sql) => /outbox|items|pg_notify/.test(sql))).toHaveLength(2);
      expect(await items()).toEqual([{ id: 1, v: 'uno' }, { id: 2, v: 'dos' }, { id: 3, v: 'three' }]);
      // Rolled back with the transaction.
      await expect(
        rig.uow.run(async (manager, outbox) => {
          await outbox.flushWith(manager, [set(1, 'lost')]);
          throw new Error('fails after the flush');
        }),
      ).rejects.toThrow('fails after the flush');
      expect((await items())[0]).toEqual({ id: 1, v: 'uno' });
      await waitFor(() => rig.seen.length === 1 && heard.length === 2, { description: 'row on Kafka and notices heard' });
      expect(rig.seen).toEqual(['a']);
      expect(heard).toEqual(['with rows', 'alone']);
    } finally {
      await listener.end();
      await rig.stop();
    }
  }, 60_000);

  it('marks relayed rows published in passing, with the next outbox insert, and gives the marks back when that transaction fails', async () => {
    // The relay's own marking is pushed out of the test's reach: only transactions mark.
    const rig = await startOutboxRig('marks', { markDelayMs: 600_000 });
    const { uow, seen, write, published } = rig;
    await rig.dataSource.query(`CREATE TABLE "${rig.schema}".fails_at_commit (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
    try {
      await uow.run(write('a'));
      await waitFor(() => seen.includes('a'), { description: 'a on Kafka', timeoutMs: 30_000 });
      expect(await published()).toEqual([]); // relayed, not yet marked: no statement of its own

      await uow.run(write('b'));
      expect(await published()).toEqual(['a']); // marked by b's insert, in b's transaction
      await waitFor(() => seen.includes('b'), { description: 'b on Kafka', timeoutMs: 30_000 });

      // c's insert marks b, then its commit fails: b's mark is rolled back and handed back.
      const failing = uow.run(async (manager, outbox) => {
        await manager.query(`INSERT INTO "${rig.schema}".fails_at_commit VALUES (1), (1)`);
        outbox.add(Topics.inboundRaw, 'c', create(RawInboundSchema, { id: 'c' }));
      });
      await expect(failing).rejects.toThrow(/duplicate key/);
      expect(await published()).toEqual(['a']);

      await uow.run(write('d'));
      expect(await published()).toEqual(['a', 'b']);
      await waitFor(() => seen.includes('d'), { description: 'd on Kafka', timeoutMs: 30_000 });
      await rig.relay.stop(); // marks what went out last
      expect(await published()).toEqual(['a', 'b', 'd']);
      expect(seen).toEqual(['a', 'b', 'd']);
    } finally {
      await rig.stop();
    }
  }, 60_000);
});

/** A connection listening on `channel`: the payloads it heard, in order. */
async function listenTo(channel: string): Promise<{ heard: string[]; end(): Promise<void> }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const heard: string[] = [];
  client.on('notification', (n) => heard.push(n.payload ?? ''));
  await client.query(`LISTEN "${channel}"`);
  return { heard, end: () => client.end() };
}

/**
 * A unit of work with a running outbox relay on its own schema and topics, and a consumer noting
 * the ids of the raw records that reach Kafka.
 */
async function startOutboxRig(tag: string, relayOptions: OutboxRelayOptions = {}) {
  const s = settings(tag);
  const schema = `${tag}_${randomUUID().slice(0, 8)}`;
  const dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
  const connection = new KafkaConnection(s, quiet);
  const relay = new OutboxRelay(dataSource, new EventPublisher(connection), quiet, undefined, relayOptions);
  const uow = new UnitOfWork(dataSource, relay, `omni/${tag}-test`, `${tag}-test`);
  const consumer = new EventConsumer(connection, quiet, undefined, { groupSuffix: 'reader' });
  const seen: string[] = [];
  consumer.subscribe(Topics.inboundRaw, async (e) => void seen.push(e.value.id));
  await consumer.start();
  relay.start();
  return {
    schema,
    dataSource,
    relay,
    uow,
    seen,
    /** An effect publishing one raw record with this id (also its key). */
    write: (id: string) => (_manager: unknown, outbox: OutboxWriter) => {
      outbox.add(Topics.inboundRaw, id, create(RawInboundSchema, { id }));
      return Promise.resolve();
    },
    /** Keys of the outbox rows marked published, in id order. */
    published: async () => (await query<{ record_key: string }>(`SELECT record_key FROM "${schema}".outbox WHERE published_at IS NOT NULL ORDER BY id`)).map((r) => r.record_key),
    async stop() {
      await relay.stop();
      await consumer.stop();
      await connection.close();
      await dataSource.destroy();
    },
  };
}
