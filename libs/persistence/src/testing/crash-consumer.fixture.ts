/**
 * A tiny consumer process for the crash-redelivery tests: applies raw records through the
 * UnitOfWork, batched (one transaction per batch, like the services), and in `crash` mode kills
 * itself with SIGKILL right after a batch's transaction committed and before the offset commit —
 * the worst moment for a consumer to die. Prints `<applied|duplicate> <raw id>` per record and
 * `committed-batch <n>` when a batch is durable.
 */
import { Writable } from 'node:stream';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Topics } from '@omni/contracts';
import { EventConsumer, EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { BatchUnitOfWorkScope, openDataSource, OutboxRelay, UnitOfWork } from '../index';

class CreateEffects1732300000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const schema = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE IF NOT EXISTS "${schema}"."effects" (raw_id text NOT NULL, applied_at timestamptz DEFAULT now())`);
  }
  async down(): Promise<void> {}
}

async function main(): Promise<void> {
  const mode = process.env.MODE ?? 'normal';
  const schema = process.env.SCHEMA!;
  const logger = createLogger({ service: 'crash-consumer', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const dataSource = await openDataSource({ url: process.env.DATABASE_URL!, schema, entities: [], migrations: [CreateEffects1732300000001] });
  const connection = new KafkaConnection(
    { brokers: process.env.KAFKA_BROKERS!.split(','), service: 'crash-test', topicPrefix: process.env.PREFIX!, partitions: 1, sessionTimeoutMs: 6_000 },
    logger,
  );
  const relay = new OutboxRelay(dataSource, new EventPublisher(connection), logger);
  const uow = new UnitOfWork(dataSource, relay, 'omni/crash-test', 'crash-test');
  const consumer = new EventConsumer(connection, logger, undefined, {
    batchScope: new BatchUnitOfWorkScope(uow),
    afterApply: (events) => {
      process.stdout.write(`committed-batch ${events.length}\n`);
      if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
    },
  });
  consumer.subscribe(Topics.inboundRaw, async (event) => {
    const result = await uow.handle(event, async (manager) => {
      await manager.query(`INSERT INTO "${schema}"."effects" (raw_id) VALUES ($1)`, [event.value.id]);
    });
    process.stdout.write(`${result} ${event.value.id}\n`);
  });
  await consumer.start();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void consumer.stop().then(() => connection.close()).then(() => dataSource.destroy()).then(() => process.exit(0));
  });
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
