/**
 * The fetch linger patched into kafkajs (patches/kafkajs+2.2.4.patch, docs/operations.md "Fetch
 * linger"): while records keep coming, a fetch waits up to `lingerMs` for more, so batches fill;
 * after a fetch that found nothing, the next one long-polls as configured and returns at the first
 * record. Unpatched kafkajs ignores `lingerMs`: a stream of records then arrives almost one batch
 * per record, and this spec fails.
 *
 * The linger is stretched far beyond its production value (25 ms) so the two behaviours cannot be
 * confused on a slow machine: a held record would wait seconds, a lone one normally milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { testEnv, waitFor } from '@omni/testing';

const LINGER_MS = 3_000;
/** A lone record after a quiet spell must come well before the linger would have let it go. */
const PROMPT_MS = 2_000;
const STREAM_RECORDS = 30;
const STREAM_GAP_MS = 30;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('kafkajs fetch linger (patches/kafkajs+2.2.4.patch)', () => {
  const env = testEnv();
  const topic = `${env.topicPrefix}kafkajs-linger-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'kafkajs-linger-test', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }, 30_000);

  it('fills batches while records keep coming, and never holds the first record after a quiet spell', async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    producer = kafka.producer();
    await producer.connect();

    const batches: Array<{ values: string[]; at: number }> = [];
    consumer = kafka.consumer({ groupId: `kafkajs-linger-${randomUUID()}`, maxWaitTimeInMs: 10_000, lingerMs: LINGER_MS });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.messages.length) batches.push({ values: batch.messages.map((m) => m.value!.toString()), at: Date.now() });
      },
    });
    await waitFor(() => joined, { description: 'consumer to join its group', timeoutMs: 30_000 });
    await sleep(1_000); // quiet: the consumer is long-polling an empty partition

    const delivered = (value: string) => batches.find((b) => b.values.includes(value));
    const promptly = async (value: string) => {
      const sent = Date.now();
      await producer!.send({ topic, messages: [{ value }] });
      await waitFor(() => delivered(value) !== undefined, { description: `${value} consumed`, timeoutMs: 20_000 });
      return delivered(value)!.at - sent;
    };

    // 1. After a quiet spell, a lone record goes out at once.
    expect(await promptly('first')).toBeLessThan(PROMPT_MS);

    // 2. The fetch after it found a record, so it lingers: a stream arriving meanwhile comes in few batches.
    const before = batches.length;
    for (let i = 0; i < STREAM_RECORDS; i++) {
      await producer.send({ topic, messages: [{ value: `stream-${i}` }] });
      await sleep(STREAM_GAP_MS);
    }
    await waitFor(() => delivered(`stream-${STREAM_RECORDS - 1}`) !== undefined, { description: 'the stream consumed', timeoutMs: 20_000 });
    const streamBatches = batches.slice(before);
    process.stdout.write(`[kafkajs-linger] ${STREAM_RECORDS} records in ${streamBatches.length} batches: ${streamBatches.map((b) => b.values.length).join(', ')}\n`);
    // Unpatched: about one batch per record (each fetch returns at the first byte).
    expect(streamBatches.length).toBeLessThanOrEqual(5);
    expect(streamBatches.flatMap((b) => b.values)).toEqual(Array.from({ length: STREAM_RECORDS }, (_, i) => `stream-${i}`));

    // 3. Once a lingering fetch has come back empty, the consumer long-polls again: no hold.
    await sleep(LINGER_MS + 1_000);
    expect(await promptly('after-quiet')).toBeLessThan(PROMPT_MS);
  }, 90_000);
});
