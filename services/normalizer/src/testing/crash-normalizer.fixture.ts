/**
 * The real normalizer in a child process for crash tests. In `MODE=crash` it SIGKILLs itself right
 * after its first raw record's transaction committed (message row, inbox entry and outbox row are
 * durable) and before the consumer commits the Kafka offset: the worst moment to die. Prints
 * `ready` once consuming and `applied <raw id>` before dying. Env: KAFKA_BROKERS, DATABASE_URL,
 * OMNI_TOPIC_PREFIX (those of the test run), MODE.
 */
import 'reflect-metadata';
import { startService } from '@omni/service-kit';
import { createNormalizer } from '../normalizer';
import { RawInboundHandler } from '../raw-inbound.handler';

type OnRaw = RawInboundHandler['onRaw'];

function dieAfterFirstRecord(): void {
  const original = RawInboundHandler.prototype.onRaw;
  const crashing: OnRaw = async function (this: RawInboundHandler, event) {
    await original.call(this, event);
    process.stdout.write(`applied ${event.value.id}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  // Keep @Subscribe's metadata, which lives on the method function itself.
  for (const key of Reflect.getMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getMetadata(key, original), crashing);
  RawInboundHandler.prototype.onRaw = crashing;
}

async function main(): Promise<void> {
  if (process.env.MODE === 'crash') dieAfterFirstRecord();
  await startService(createNormalizer(), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'silent' },
  });
  process.stdout.write('ready\n');
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
