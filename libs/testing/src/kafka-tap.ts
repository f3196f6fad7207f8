import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { fromBinary, type DescMessage, type MessageShape, type TopicDefinition } from '@omni/contracts';
import { waitFor } from './env';

export interface TappedRecord<T> {
  key: string;
  value: T;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** When the tap read it (ms since epoch): benchmarks measure latency with it. */
  receivedAt: number;
}

/**
 * Reads topics from the beginning in a throw-away consumer group and keeps every record, decoded
 * with the registry's type: what tests use to assert on what services published.
 */
export class KafkaTap {
  private readonly consumer: Consumer;
  private readonly records = new Map<string, Array<TappedRecord<unknown>>>();
  private readonly topics: TopicDefinition[];

  constructor(
    brokers: string[],
    private readonly prefix: string,
    topics: TopicDefinition[],
  ) {
    this.topics = topics;
    this.consumer = new Kafka({ brokers, clientId: 'omni-test-tap', logLevel: logLevel.NOTHING }).consumer({ groupId: `tap-${randomUUID()}`, maxWaitTimeInMs: 200 });
  }

  async start(): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.map((t) => `${this.prefix}${t.name}`), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const logical = topic.slice(this.prefix.length);
        const definition = this.topics.find((t) => t.name === logical)!;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
        const list = this.records.get(logical) ?? [];
        list.push({ key: message.key?.toString() ?? '', value: fromBinary(definition.schema, message.value ?? new Uint8Array()), headers, partition, offset: message.offset, receivedAt: Date.now() });
        this.records.set(logical, list);
      },
    });
    return this;
  }

  all<S extends DescMessage>(topic: TopicDefinition<S>): Array<TappedRecord<MessageShape<S>>> {
    return (this.records.get(topic.name) ?? []) as Array<TappedRecord<MessageShape<S>>>;
  }

  async waitFor<S extends DescMessage>(
    topic: TopicDefinition<S>,
    predicate: (value: MessageShape<S>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<TappedRecord<MessageShape<S>>> {
    let found: TappedRecord<MessageShape<S>> | undefined;
    await waitFor(
      () => {
        found = this.all(topic).find((r) => predicate(r.value));
        return found !== undefined;
      },
      { timeoutMs, description: `a matching record on ${topic.name}` },
    );
    return found!;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A raw record as kafkajs gives it (DLQ records are read this way: value bytes and headers). */
export interface RawTopicRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}

/**
 * Reads a (physical) topic from the beginning until `count` records arrived, in a throw-away
 * group, and returns them undecoded.
 */
export async function readTopicRecords(brokers: string[], topic: string, count: number, timeoutMs = 30_000): Promise<RawTopicRecord[]> {
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `reader-${randomUUID()}` });
  const records: RawTopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
    await waitFor(() => records.length >= count, { description: `${count} record(s) on ${topic}`, timeoutMs });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
