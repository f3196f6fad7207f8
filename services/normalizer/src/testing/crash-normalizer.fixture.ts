/**
 * The real normalizer in a child process for crash tests. In `MODE=crash` it SIGKILLs itself right
 * after its first batch of raw records committed (message rows, inbox entries and outbox rows are
 * durable) and before the consumer commits the Kafka offset: the worst moment to die. Prints
 * `ready` once started and `applied <raw id>` for each record of that batch before dying. Env:
 * KAFKA_BROKERS, DATABASE_URL, OMNI_TOPIC_PREFIX (those of the test run), MODE.
 */
import 'reflect-metadata';
import type { RawInbound } from '@omni/contracts';
import { EventConsumer } from '@omni/messaging';
import { startService } from '@omni/service-kit';
import { createNormalizer } from '../normalizer';

async function main(): Promise<void> {
  const running = await startService(createNormalizer(), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'silent' },
  });
  if (process.env.MODE === 'crash') {
    running.app.get(EventConsumer).onAfterApply((events) => {
      for (const event of events) process.stdout.write(`applied ${(event.value as RawInbound).id}\n`);
      process.kill(process.pid, 'SIGKILL');
    });
  }
  process.stdout.write('ready\n');
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
