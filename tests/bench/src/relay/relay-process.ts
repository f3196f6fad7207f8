/**
 * One hop of the bare kafkajs relay (the ceiling): consume RELAY_FROM, produce every record to
 * RELAY_TO with the guarantees Omni's hops have — idempotent producer, acks=all, one request in
 * flight — and commit the consumed offset only after the produce resolved. Nothing else: no
 * decoding, no database, no tracing. Runs as its own node process, like an Omni service.
 *
 *   RELAY_MODE=eachMessage  one record at a time (produce, then commit), partitions consumed
 *                           RELAY_CONCURRENCY at a time — the shape of Omni's EventConsumer
 *   RELAY_MODE=eachBatch    a fetched batch per partition: one produce for all of it, then one commit
 *
 * Tells its parent over IPC when it joined its group ('ready') and how many records it relayed.
 */
import { Kafka, logLevel, type EachBatchPayload, type EachMessagePayload, type Message } from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const brokers = env('RELAY_BROKERS').split(',');
const from = env('RELAY_FROM');
const to = env('RELAY_TO');
const mode = env('RELAY_MODE');
const concurrency = Number(process.env.RELAY_CONCURRENCY ?? 3);
if (mode !== 'eachMessage' && mode !== 'eachBatch') throw new Error(`RELAY_MODE must be eachMessage or eachBatch; got ${mode}`);

const kafka = new Kafka({ brokers, clientId: `bench-relay-${from}`, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
// The consumer settings of Omni's EventConsumer (libs/messaging) when this was written.
const consumer = kafka.consumer({ groupId: env('RELAY_GROUP'), allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 1_000 });
let relayed = 0;

const next = (offset: string) => (BigInt(offset) + 1n).toString();
const forward = (m: { key: Buffer | null; value: Buffer | null; headers?: Message['headers'] }): Message => ({ key: m.key, value: m.value, headers: m.headers });

async function eachMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
  await producer.send({ topic: to, acks: -1, messages: [forward(message)] });
  await consumer.commitOffsets([{ topic, partition, offset: next(message.offset) }]);
  relayed++;
}

async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
  if (!batch.messages.length || !isRunning() || isStale()) return;
  await producer.send({ topic: to, acks: -1, messages: batch.messages.map(forward) });
  const last = batch.messages[batch.messages.length - 1]!.offset;
  await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next(last) }]);
  resolveOffset(last);
  relayed += batch.messages.length;
  await heartbeat();
}

async function main(): Promise<void> {
  await producer.connect();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, () => process.send?.({ type: 'ready' }));
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  await consumer.run(
    mode === 'eachMessage'
      ? { autoCommit: false, partitionsConsumedConcurrently: concurrency, eachMessage }
      : { autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch },
  );
  setInterval(() => process.send?.({ type: 'relayed', count: relayed }), 1_000).unref();
}

async function stop(): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  process.exit(0);
}

process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
main().catch((err: Error) => {
  process.stderr.write(`relay ${from} → ${to}: ${err.stack}\n`);
  process.exit(1);
});
