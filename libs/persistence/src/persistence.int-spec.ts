import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { Channel, create, RawInboundSchema, Topics } from '@omni/contracts';
import { consumerGroupId, EventConsumer, EventPublisher, KafkaConnection, type KafkaSettings } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { waitFor } from '@omni/testing';
import { openDataSource, OutboxRelay, UnitOfWork } from './index';

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
  it('does not repeat the effect when a consumer dies after its DB write and before committing', async () => {
    const s = settings('crash');
    const schema = `crash_${randomUUID().slice(0, 8)}`;
    const connection = new KafkaConnection(s, quiet);
    await connection.ensureTopics([Topics.inboundRaw]);
    await new EventPublisher(connection).publish(Topics.inboundRaw, 'messenger:p:u', create(RawInboundSchema, { id: 'raw-1', channel: Channel.MESSENGER }));

    const crashing = runConsumer({ MODE: 'crash', SCHEMA: schema, PREFIX: s.topicPrefix });
    expect(await crashing.exited).toBe('SIGKILL');
    expect(crashing.lines).toContain('applied raw-1');
    expect(await query(`SELECT raw_id FROM "${schema}".effects`)).toEqual([{ raw_id: 'raw-1' }]);

    const admin = await connection.admin();
    const groupId = consumerGroupId({ ...s, service: 'crash-test' });
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [`${s.topicPrefix}${Topics.inboundRaw.name}`] }))[0]!.partitions[0]!.offset;
    expect(await committed()).toBe('-1'); // the crash happened before the commit

    const healthy = runConsumer({ MODE: 'normal', SCHEMA: schema, PREFIX: s.topicPrefix });
    try {
      await waitFor(() => healthy.lines.includes('duplicate raw-1'), { description: 'redelivery seen as duplicate', timeoutMs: 60_000 });
      await waitFor(async () => (await committed()) === '1', { description: 'offset committed after redelivery', timeoutMs: 30_000 });
    } finally {
      healthy.child.kill('SIGTERM');
      await healthy.exited;
      await connection.close();
    }
    expect(await query(`SELECT raw_id FROM "${schema}".effects`)).toEqual([{ raw_id: 'raw-1' }]);
    expect(await query(`SELECT count(*)::int AS n FROM "${schema}".inbox`)).toEqual([{ n: 1 }]);
  }, 120_000);

  it('relays outbox rows written in the effect transaction to Kafka exactly once per unit of work', async () => {
    const s = settings('outbox');
    const schema = `outbox_${randomUUID().slice(0, 8)}`;
    const dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    const connection = new KafkaConnection(s, quiet);
    const relay = new OutboxRelay(dataSource, new EventPublisher(connection), quiet);
    const uow = new UnitOfWork(dataSource, relay, 'omni/outbox-test', 'outbox-test');
    const consumer = new EventConsumer(connection, quiet, undefined, { groupSuffix: 'reader' });
    const seen: string[] = [];
    consumer.subscribe(Topics.inboundRaw, async (e) => void seen.push(e.value.id));
    try {
      await consumer.start();
      relay.start();
      const event = { eventId: 'evt-1', topic: 'test' };
      const write = (manager: unknown, outbox: import('./outbox').OutboxWriter) => {
        outbox.add(Topics.inboundRaw, 'k', create(RawInboundSchema, { id: 'from-outbox' }));
        return Promise.resolve();
      };
      expect(await uow.handle(event, write)).toBe('applied');
      expect(await uow.handle(event, write)).toBe('duplicate');
      await waitFor(() => seen.includes('from-outbox'), { description: 'outbox record on Kafka', timeoutMs: 30_000 });
      await waitFor(async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NOT NULL`))[0]!.n === 1, {
        description: 'row marked published',
      });
      expect(seen).toEqual(['from-outbox']);
    } finally {
      await relay.stop();
      await consumer.stop();
      await connection.close();
      await dataSource.destroy();
    }
  }, 60_000);
});
