import { setTimeout as sleep } from 'node:timers/promises';
import { context } from '@opentelemetry/api';
import type { Consumer, EachMessagePayload, KafkaMessage } from 'kafkajs';
import { dlqTopicName, type DescMessage, type MessageShape, type TopicDefinition } from '@omni/contracts';
import type { Logger, Metrics } from '@omni/observability';
import type { KafkaConnection } from './connection';
import { CE_HEADERS, decodeValue, headersToStrings, UndecodableRecordError } from './envelope';
import { consumerGroupId, logicalTopic, physicalTopic } from './settings';
import { extractContext, withMessagingSpan } from './trace-headers';

/** One consumed record, decoded, with what a handler needs for idempotency and tracing. */
export interface ConsumedEvent<T> {
  value: T;
  key: string;
  /** CloudEvents id: the dedupe id for inbox tables. */
  eventId: string;
  ceType: string;
  source: string;
  time: Date;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
  /** Keeps the group membership alive during a long effect (e.g. waiting out a rate limit). */
  heartbeat: () => Promise<void>;
}

export type EventHandler<T> = (event: ConsumedEvent<T>) => Promise<void>;

/** Throw from a handler when retrying cannot help (bad data): the record goes to the DLQ at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

interface Subscription {
  topic: TopicDefinition;
  handler: EventHandler<unknown>;
  name: string;
}

export interface ConsumerOptions {
  /** Consumer group suffix; defaults to the service name ("omni-<service>"). */
  groupSuffix?: string;
  /** Start a new group at the beginning of the log so nothing retained is skipped. */
  fromBeginning?: boolean;
}

export const DLQ_HEADERS = {
  error: 'omni_error_message',
  errorType: 'omni_error_type',
  attempts: 'omni_error_attempts',
  originalTopic: 'omni_original_topic',
  originalPartition: 'omni_original_partition',
  originalOffset: 'omni_original_offset',
  group: 'omni_consumer_group',
  failedAt: 'omni_failed_at',
} as const;

/**
 * Runs a service's consumer group over its subscribed topics. Offsets are committed by hand, only
 * after the handler resolved (its effect is durable) or the record was parked in the DLQ, so a
 * crash in between means redelivery, never loss. A failing handler is retried with exponential
 * backoff (heartbeating meanwhile); then the record goes to `<topic>.dlq` with error headers and
 * the partition moves on.
 */
export class EventConsumer {
  private readonly subscriptions = new Map<string, Subscription>();
  private consumer?: Consumer;
  private readonly groupId: string;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly options: ConsumerOptions = {},
  ) {
    const settings = connection.settings;
    this.groupId = consumerGroupId({ ...settings, service: options.groupSuffix ?? settings.service });
  }

  get topics(): TopicDefinition[] {
    return Array.from(this.subscriptions.values(), (s) => s.topic);
  }

  subscribe<S extends DescMessage>(topic: TopicDefinition<S>, handler: EventHandler<MessageShape<S>>, name = topic.name): void {
    if (this.consumer) throw new Error('subscribe before start()');
    if (this.subscriptions.has(topic.name)) throw new Error(`${topic.name} already has a handler in ${this.groupId}`);
    this.subscriptions.set(topic.name, { topic, handler: handler as EventHandler<unknown>, name });
  }

  async start(): Promise<void> {
    if (!this.subscriptions.size || this.consumer) return;
    await this.connection.ensureTopics(this.topics);
    // Right after topics are created the broker may still be electing leaders or spreading
    // metadata; joining then fails with retriable errors. Try again a few times before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (err) {
        const consumer = this.consumer as Consumer | undefined;
        this.consumer = undefined;
        await consumer?.disconnect().catch(() => undefined);
        if (attempt >= 5) throw err;
        this.logger.warn({ group: this.groupId, attempt, err: { message: (err as Error).message } }, 'consumer start failed, retrying');
        await sleep(500 * attempt);
      }
    }
  }

  private async startOnce(): Promise<void> {
    const settings = this.connection.settings;
    const consumer = this.connection.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: settings.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      // Short fetch waits keep shutdown quick (disconnect waits for the fetch in flight).
      maxWaitTimeInMs: 1_000,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: this.topics.map((t) => physicalTopic(settings, t.name)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently ?? 3,
      eachMessage: (payload) => this.handle(payload),
    });
    this.logger.info({ group: this.groupId, topics: this.topics.map((t) => t.name) }, 'consumer started');
  }

  /** Stops fetching, lets in-flight handlers finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    // disconnect() waits for the in-flight eachMessage calls, which still commit their offsets.
    await consumer.disconnect();
    this.consumer = undefined;
    this.logger.info({ group: this.groupId }, 'consumer stopped');
  }

  private async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const settings = this.connection.settings;
    const logical = logicalTopic(settings, topic);
    const subscription = this.subscriptions.get(logical);
    const headers = headersToStrings(message.headers);
    const parent = extractContext(headers, context.active());
    const labels = { topic: logical, group: this.groupId };
    const started = process.hrtime.bigint();

    await withMessagingSpan(
      'process',
      topic,
      parent,
      {
        'messaging.consumer.group.name': this.groupId,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(message.offset),
        'messaging.message.id': headers[CE_HEADERS.id],
        'omni.service': settings.service,
      },
      async (span) => {
        const outcome = subscription
          ? await this.runWithRetries(subscription, topic, partition, message, headers, heartbeat)
          : ({ ok: false, attempts: 0, error: new UndecodableRecordError(`no handler for ${logical}`) } as const);
        if (!outcome.ok) {
          span.setAttribute('omni.dlq', true);
          await this.deadLetter(logical, partition, message, headers, outcome.error, outcome.attempts);
        }
        await this.commit(topic, partition, message.offset);
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics?.histogram('omni_kafka_handler_seconds', 'Time to handle one record', ['topic', 'group']).observe(labels, seconds);
    this.metrics?.counter('omni_kafka_consumed_total', 'Records consumed', ['topic', 'group']).inc(labels);
  }

  private async runWithRetries(
    subscription: Subscription,
    topic: string,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    heartbeat: () => Promise<void>,
  ): Promise<{ ok: true } | { ok: false; error: Error; attempts: number }> {
    const settings = this.connection.settings;
    const maxAttempts = 1 + (settings.handlerRetries ?? 5);
    const baseMs = settings.handlerRetryBaseMs ?? 200;
    let event: ConsumedEvent<unknown>;
    try {
      event = {
        value: decodeValue(subscription.topic, message.value, headers[CE_HEADERS.type]),
        key: message.key?.toString('utf8') ?? '',
        eventId: headers[CE_HEADERS.id] ?? `${topic}:${partition}:${message.offset}`,
        ceType: headers[CE_HEADERS.type] ?? subscription.topic.ceType,
        source: headers[CE_HEADERS.source] ?? '',
        time: new Date(headers[CE_HEADERS.time] ?? Number(message.timestamp)),
        headers,
        topic: subscription.topic.name,
        partition,
        offset: message.offset,
        heartbeat,
      };
    } catch (err) {
      return { ok: false, error: err as Error, attempts: 0 };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await subscription.handler(event);
        return { ok: true };
      } catch (err) {
        const error = err as Error;
        const last = attempt >= maxAttempts || error instanceof NonRetryableError;
        this.metrics?.counter('omni_kafka_handler_errors_total', 'Handler failures (each attempt)', ['topic', 'group']).inc({ topic: subscription.topic.name, group: this.groupId });
        this.logger.warn(
          { topic: subscription.topic.name, partition, offset: message.offset, eventId: event.eventId, attempt, err: { type: error.name, message: error.message } },
          last ? 'handler failed, sending record to DLQ' : 'handler failed, retrying',
        );
        if (last) return { ok: false, error, attempts: attempt };
        await sleep(Math.min(baseMs * 2 ** (attempt - 1), 10_000));
        await heartbeat();
      }
    }
  }

  private async deadLetter(
    logical: string,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    error: Error,
    attempts: number,
  ): Promise<void> {
    const settings = this.connection.settings;
    const producer = await this.connection.producer();
    await producer.send({
      topic: physicalTopic(settings, dlqTopicName(logical)),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            [DLQ_HEADERS.error]: error.message.slice(0, 2_000),
            [DLQ_HEADERS.errorType]: error.name,
            [DLQ_HEADERS.attempts]: String(attempts),
            [DLQ_HEADERS.originalTopic]: logical,
            [DLQ_HEADERS.originalPartition]: String(partition),
            [DLQ_HEADERS.originalOffset]: message.offset,
            [DLQ_HEADERS.group]: this.groupId,
            [DLQ_HEADERS.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    this.metrics?.counter('omni_kafka_dlq_total', 'Records sent to a DLQ', ['topic', 'group']).inc({ topic: logical, group: this.groupId });
    this.logger.error({ topic: logical, partition, offset: message.offset, attempts, errorType: error.name }, 'record parked in DLQ');
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
  }
}
