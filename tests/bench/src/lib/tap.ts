/**
 * The measuring end: a plain kafkajs consumer (throw-away group, from the beginning, never
 * committing) on the topics the benchmark correlates. Each record is decoded with the registry's
 * type and handed over with the time the tap read it. A record seen again after the tap's own
 * consumer restarted (a broker restart, a rebalance) is recognised by partition + offset and
 * skipped, so only what the services really published twice counts as a duplicate.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { fromBinary, type DescMessage, type MessageShape, type TopicDefinition } from '@omni/contracts';
import { realClock } from './open-model';

export interface TapRecord<T> {
  topic: string;
  key: string;
  value: T;
  ceId: string;
  ceSource: string;
  partition: number;
  offset: string;
  receivedAt: number;
}

type Handler = (record: TapRecord<unknown>) => void;

export class BenchTap {
  private readonly consumer: Consumer;
  private readonly handlers = new Map<string, { topic: TopicDefinition; handler: Handler }>();
  private readonly seen = new Map<string, bigint>();
  crashes = 0;

  constructor(
    private readonly brokers: string[],
    private readonly prefix: string,
  ) {
    const kafka = new Kafka({ brokers, clientId: 'omni-bench-tap', logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2_000 } });
    this.consumer = kafka.consumer({ groupId: `bench-tap-${randomUUID()}`, maxWaitTimeInMs: 50, sessionTimeout: 30_000, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2_000 } });
    this.consumer.on(this.consumer.events.CRASH, () => this.crashes++);
  }

  on<S extends DescMessage>(topic: TopicDefinition<S>, handler: (record: TapRecord<MessageShape<S>>) => void): this {
    this.handlers.set(`${this.prefix}${topic.name}`, { topic, handler: handler as Handler });
    return this;
  }

  async start(): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.handlers.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        const receivedAt = realClock.now();
        const entry = this.handlers.get(batch.topic);
        if (!entry) return;
        const seenKey = `${batch.topic}:${batch.partition}`;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          const last = this.seen.get(seenKey);
          if (last !== undefined && offset <= last) continue;
          this.seen.set(seenKey, offset);
          const header = (name: string) => {
            const v = message.headers?.[name];
            return v === undefined ? '' : Buffer.isBuffer(v) ? v.toString() : String(v);
          };
          entry.handler({
            topic: entry.topic.name,
            key: message.key?.toString() ?? '',
            value: fromBinary(entry.topic.schema, message.value ?? new Uint8Array()),
            ceId: header('ce_id'),
            ceSource: header('ce_source'),
            partition: batch.partition,
            offset: message.offset,
            receivedAt,
          });
        }
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}
