import { setTimeout as sleep } from 'node:timers/promises';
import { context, type Context, type Span } from '@opentelemetry/api';
import type { Batch, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { dlqTopicName, type DescMessage, type MessageShape, type TopicDefinition } from '@omni/contracts';
import { scrubErrorText, type Logger, type Metrics } from '@omni/observability';
import type { BatchScope } from './batch-scope';
import type { KafkaConnection } from './connection';
import { CE_HEADERS, decodeValue, headersToStrings, UndecodableRecordError } from './envelope';
import { consumerGroupId, logicalTopic, physicalTopic } from './settings';
import { extractContext, withMessagingSpan } from './trace-headers';
import { isForService } from './replay-headers';
import { SameTurnGatherer } from './same-turn';

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
  /**
   * False once this member has committed a batch of the record's partition since it last joined
   * the group: the record is then almost surely new, and the unit of work registers it in its inbox
   * with its effects instead of before them (one round trip fewer). True for a partition's first
   * batch after a join, which may hold records its previous owner applied but did not commit.
   * Absent (a record not from the consumer): treated as true. Either way the inbox's key keeps an
   * effect from being committed twice.
   */
  redeliveryLikely?: boolean;
}

export type EventHandler<T> = (event: ConsumedEvent<T>) => Promise<void>;

/** Throw from a handler when retrying cannot help (bad data): the record goes to the DLQ at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

export interface SubscribeOptions {
  /** Name for logs and metrics (e.g. "RoutedController.onRouted"). */
  name?: string;
  /**
   * Apply a partition's records together in one BatchScope (one DB transaction) and commit the
   * offset once. Default true. Turn it off for handlers with effects outside the database (provider
   * calls) or that must each wait on their own: they run record by record.
   */
  batch?: boolean;
}

interface Subscription {
  topic: TopicDefinition;
  handler: EventHandler<unknown>;
  name: string;
  batch: boolean;
}

export interface ConsumerOptions {
  /** Consumer group suffix; defaults to the service name ("omni-<service>"). */
  groupSuffix?: string;
  /** Start a new group at the beginning of the log so nothing retained is skipped. */
  fromBeginning?: boolean;
  /** Where batched records' effects commit together (a DB transaction); none = applied in order. */
  batchScope?: BatchScope;
  /**
   * Topics to create when missing before joining: only the subscribed ones (default), or the whole
   * registry (services provision everything they may produce to as well).
   */
  provision?: 'subscribed' | 'all';
  /** At most this many records per batch transaction (a fetched batch is cut into chunks). */
  maxBatchRecords?: number;
  /**
   * Test seam: called after a chunk's effects are durable and before its offset is committed —
   * the worst moment for a crash, which the crash-redelivery tests use.
   */
  afterApply?: (events: ReadonlyArray<ConsumedEvent<unknown>>) => void | Promise<void>;
}

/**
 * The broker's minimum (group.min.session.timeout.ms): a SIGKILLed member's partitions move after
 * at most this long. Heartbeats go out every 1.5 s, between fetches, between batched records and
 * during retries, so only a process frozen for 6 s is evicted.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 6_000;
/** Longest wait of an idle fetch at the broker (see startOnce). */
export const DEFAULT_FETCH_MAX_WAIT_MS = 2_000;
/**
 * Fetch linger while records keep coming (kafkajs patch, docs/operations.md). At 50 webhooks/s
 * on the 2-core reference box, 25 ms cut the consumers' CPU per webhook by 15–25 % and webhook →
 * assigned p99 from 3.7 s to 0.5 s (40 ms did less: 1.3 s); it adds at most this much per hop
 * once a stream is flowing, never to the first record after a quiet spell.
 */
export const DEFAULT_FETCH_LINGER_MS = 25;
/**
 * Batches one instance has in hand at once (kafkajs workers). The ones of one topic that a fetch
 * hands over together are applied in one transaction (SameTurnGatherer). 32, so that a fetch's
 * every batch is gathered, made → assigned p99 worse at 100 webhooks/s on the 2-core reference box
 * (assignment then had a batch of each of its seven topics in hand at once), even with the
 * transactions bounded to 3 (docs/benchmarks.md, eleventh pass).
 */
export const DEFAULT_PARTITIONS_CONCURRENTLY = 3;
/** Records per batch transaction, by default (ConsumerOptions.maxBatchRecords). */
export const DEFAULT_MAX_BATCH_RECORDS = 250;

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

type Decoded =
  | { ok: true; event: ConsumedEvent<unknown>; parent: Context; message: KafkaMessage }
  | { ok: false; message: KafkaMessage; error: Error; headers: Record<string, string> };
type Applicable = Extract<Decoded, { ok: true }>;

/** One partition's chunk of records, waiting to be applied with the other partitions' of its topic. */
interface Chunk {
  subscription: Subscription;
  events: Applicable[];
  metrics: TopicMetrics;
}
type Outcome = { ok: true } | { ok: false; error: unknown };
const APPLIED: Outcome = { ok: true };

/** A partition's offset to commit with the others committed in the same turn. */
interface PendingCommit {
  topic: string;
  partition: number;
  /** The next offset to read (the last applied record's + 1). */
  offset: string;
  commitOffsets: EachBatchPayload['commitOffsetsIfNecessary'];
}

/** Per-topic metric children, resolved once: label hashing per record is measurable CPU. */
interface TopicMetrics {
  consumed(n: number): void;
  batchRecords(n: number): void;
  handlerSeconds(seconds: number): void;
  handlerError(): void;
  batchReplayed(): void;
  dlq(): void;
  lag(partition: number, records: number): void;
}

/**
 * Runs a service's consumer group over its subscribed topics.
 *
 * Records arrive in batches per partition. A batch is decoded, then applied in order inside one
 * BatchScope (for services with a database: one transaction holding the inbox rows, the effects and
 * the outbox rows) and the partition's offset is committed once, after the scope is durable. A
 * crash anywhere before that commit redelivers the batch, and the inbox makes the replay harmless.
 *
 * When anything in a batch fails, the scope rolls back and the batch is replayed record by record,
 * each in its own transaction: a failing record is retried with backoff (heartbeating meanwhile),
 * then parked in `<topic>.dlq` with error headers, and the others still apply exactly once. An
 * undecodable record goes to the DLQ at once. Nothing is dropped silently.
 *
 * Start-up never gives up: while the broker is unreachable the consumer keeps retrying (readiness
 * reports it), so a service can start before Kafka.
 */
export class EventConsumer {
  /** This consumer's service: replays name the service they are for. */
  private readonly service: string;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly topicMetrics = new Map<string, TopicMetrics>();
  /** Partitions ("topic:partition") this member committed a batch of since it last joined the group. */
  private readonly settled = new Set<string>();
  private consumer?: Consumer;
  private readonly groupId: string;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private stopped = false;
  private joined = false;
  private lastError?: string;
  private abortStart?: AbortController;
  /** A fetch's batches of one topic, gathered into one transaction. */
  private readonly rounds: SameTurnGatherer<Chunk, Outcome>;
  /** The offsets of a fetch's batches, gathered into one commit request. */
  private readonly commits = new SameTurnGatherer<PendingCommit, boolean>({ run: (pending) => this.commitAll(pending) });
  private readonly commitRequests?: { inc(): void };

  constructor(
    private readonly connection: KafkaConnection,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly options: ConsumerOptions = {},
  ) {
    const settings = connection.settings;
    this.groupId = consumerGroupId({ ...settings, service: options.groupSuffix ?? settings.service });
    this.service = settings.service;
    this.commitRequests = metrics?.counter('omni_kafka_offset_commits_total', 'Offset commit requests (one per fetch: the offsets of its batches go together)', ['group']).labels({ group: this.groupId });
    this.rounds = new SameTurnGatherer({
      run: (chunks) => this.applyRound(chunks),
      size: (chunk) => chunk.events.length,
      max: options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
    });
  }

  get topics(): TopicDefinition[] {
    return Array.from(this.subscriptions.values(), (s) => s.topic);
  }

  /** Test seam, see ConsumerOptions.afterApply. */
  onAfterApply(hook: ConsumerOptions['afterApply']): void {
    this.options.afterApply = hook;
  }

  subscribe<S extends DescMessage>(topic: TopicDefinition<S>, handler: EventHandler<MessageShape<S>>, opts: SubscribeOptions = {}): void {
    if (this.consumer || this.starting) throw new Error('subscribe before start()');
    if (this.subscriptions.has(topic.name)) throw new Error(`${topic.name} already has a handler in ${this.groupId}`);
    this.subscriptions.set(topic.name, { topic, handler: handler as EventHandler<unknown>, name: opts.name ?? topic.name, batch: opts.batch ?? true });
  }

  /**
   * Joins the group and starts consuming; resolves once joined. Keeps retrying (with backoff up to
   * 10 s) while the broker is unreachable, until stop() is called.
   */
  start(): Promise<void> {
    if (!this.subscriptions.size) return Promise.resolve();
    this.stopped = false;
    this.starting ??= this.startLoop().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** For readiness: throws while the consumer is not (yet) a running member of its group. */
  check(): void {
    if (!this.subscriptions.size) return;
    if (!this.joined) throw new Error(this.lastError ? `not consuming: ${this.lastError}` : 'connecting to Kafka and joining the consumer group');
  }

  private async startLoop(): Promise<void> {
    const abort = new AbortController();
    this.abortStart = abort;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.connection.ensureTopics(this.options.provision === 'all' ? undefined : this.topics);
        if (this.stopped) return;
        await this.startOnce();
        // stop() during the join: it found no consumer to disconnect, so do it here.
        if (this.stopped) await this.consumer?.disconnect();
        return;
      } catch (err) {
        const consumer = this.consumer;
        this.consumer = undefined;
        await consumer?.disconnect().catch(() => undefined);
        this.lastError = (err as Error).message;
        if (this.stopped) return;
        const delay = Math.min(500 * 2 ** Math.min(attempt - 1, 5), 10_000);
        this.logger.warn({ group: this.groupId, attempt, retryInMs: delay, err: { message: this.lastError } }, 'consumer start failed, retrying');
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  }

  private async startOnce(): Promise<void> {
    const settings = this.connection.settings;
    const consumer = this.connection.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // A killed member keeps its partitions until its session times out, so this bounds how long
      // its partitions wait after a crash. Long handlers heartbeat (between records and retries).
      sessionTimeout: settings.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(2_000, Math.floor((settings.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 4)),
      rebalanceTimeout: settings.rebalanceTimeoutMs ?? 30_000,
      // How long an idle fetch waits at the broker: one wake-up per this period when idle; data
      // ends the wait at once. Each idle fetch decodes an empty answer for every assigned
      // partition (42 for assignment): at 1 s that was most of an idle service's CPU. 2 s stays
      // well inside the session timeout (heartbeats go out between fetches) and adds at most 1 s
      // to noticing a rebalance.
      maxWaitTimeInMs: settings.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
      lingerMs: settings.fetchLingerMs ?? DEFAULT_FETCH_LINGER_MS,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // A partition's next batch may now start behind what its previous owner applied.
      this.settled.clear();
      this.joined = true;
      this.lastError = undefined;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      this.lastError = event.payload.error.message;
      // kafkajs restarts itself after retriable errors; after others it stays down: start again.
      if (!event.payload.restart && !this.stopped) {
        this.logger.error({ group: this.groupId, err: { message: event.payload.error.message } }, 'consumer crashed, restarting');
        this.consumer = undefined;
        void consumer.disconnect().catch(() => undefined).then(() => this.start());
      }
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: this.topics.map((t) => physicalTopic(settings, t.name)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.info({ group: this.groupId, topics: this.topics.map((t) => t.name) }, 'consumer started');
  }

  /**
   * Stops fetching, lets the batches in flight finish and commit (kafkajs waits for them), then
   * leaves the group so the partitions move at once instead of after the session timeout.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.abortStart?.abort(); // a retry wait while Kafka is away ends now
    this.stopping ??= (async () => {
      const consumer = this.consumer;
      this.consumer = undefined;
      this.joined = false;
      // Disconnecting also ends a join in progress. A start attempt still reaching an absent broker
      // is not waited for (kafkajs retries for tens of seconds): it sees `stopped` and gives up.
      if (consumer) await consumer.disconnect();
      if (consumer) this.logger.info({ group: this.groupId }, 'consumer stopped');
    })().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async handleBatch({ batch, heartbeat, isStale, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    const settings = this.connection.settings;
    const logical = logicalTopic(settings, batch.topic);
    const subscription = this.subscriptions.get(logical);
    const metrics = this.metricsFor(logical);
    const max = this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    const messages = batch.messages;
    metrics.batchRecords(messages.length);
    // While this batch is applied, everything from its first record to the high watermark of the
    // fetch is waiting: a consumer that falls behind fetches ever larger batches and shows it here
    // (the lag after a batch alone reads 0 whenever each fetch drains the partition).
    if (messages.length) metrics.lag(batch.partition, Number(batch.offsetLagLow()) + 1);
    // A stale batch belongs to partitions taken away by a rebalance: their new owner redoes it.
    // On shutdown the batch in hand is still finished and committed (that is the drain); kafkajs
    // fetches nothing more once it is stopping.
    const partitionKey = `${batch.topic}:${batch.partition}`;
    for (let start = 0; start < messages.length && !isStale(); start += max) {
      const chunk = messages.slice(start, start + max);
      const redeliveryLikely = !this.settled.has(partitionKey);
      const decoded = chunk.map((message) => this.decode(subscription, batch, message, heartbeat, redeliveryLikely));
      for (const poison of decoded) {
        if (!poison.ok) await this.deadLetter(logical, batch.partition, poison.message, poison.headers, poison.error, 0);
      }
      // A replay aimed at another service (npm run replay) is not ours to apply: skipped, committed.
      const events = decoded.filter((d): d is Applicable => d.ok && isForService(d.event.headers, this.service));
      if (subscription && events.length) await this.apply(subscription, events, metrics);
      await this.options.afterApply?.(events.map((e) => e.event));
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      // Committed: what comes next from this partition was never applied (until the next join).
      const next = (BigInt(last) + 1n).toString();
      const committed = await this.commits.submit('', { topic: batch.topic, partition: batch.partition, offset: next, commitOffsets: commitOffsetsIfNecessary });
      if (committed) this.settled.add(partitionKey);
      else this.settled.delete(partitionKey);
      metrics.consumed(chunk.length);
      await heartbeat();
    }
    // Records behind the fetch's high watermark once this batch is done: 0 when it drained the
    // partition (the SRE dashboard's lag panel and OmniConsumerLagHigh; KEDA reads the broker's lag).
    metrics.lag(batch.partition, Number(batch.offsetLag()));
  }

  /**
   * Applies a partition's chunk. Batched subscriptions in a service with a BatchScope join the
   * other partitions' chunks of the same topic from the same fetch (see applyRound); the rest run
   * record by record.
   */
  private async apply(subscription: Subscription, events: Applicable[], metrics: TopicMetrics): Promise<void> {
    if (!subscription.batch || !this.options.batchScope) return this.applyOneByOne(subscription, events, metrics);
    const outcome = await this.rounds.submit(subscription.topic.name, { subscription, events, metrics });
    if (!outcome.ok) throw outcome.error;
  }

  /**
   * One topic's chunks from one fetch: applied in one BatchScope, each partition's records in
   * order, the partitions one after another. Should that fail, nothing of it remains (the scope
   * rolled back) and each chunk is replayed record by record, so a poison record is retried and
   * parked alone while the others still apply once. Topics are never mixed: handlers may count on a
   * batch holding one topic's records.
   */
  private async applyRound(chunks: Chunk[]): Promise<Outcome[]> {
    const { subscription, metrics } = chunks[0]!;
    const events = chunks.flatMap((chunk) => chunk.events);
    if (events.length > 1 && (await this.applyTogether(subscription, events, metrics))) return chunks.map(() => APPLIED);
    return Promise.all(
      chunks.map((chunk) =>
        this.applyOneByOne(subscription, chunk.events, metrics).then(
          () => APPLIED,
          (error: unknown): Outcome => ({ ok: false, error }),
        ),
      ),
    );
  }

  /** The records in one BatchScope; false (everything rolled back, logged) when anything failed. */
  private async applyTogether(subscription: Subscription, events: Applicable[], metrics: TopicMetrics): Promise<boolean> {
    const started = process.hrtime.bigint();
    try {
      await this.options.batchScope!.run(
        events.map((e) => e.event),
        async () => {
          for (const { event, parent } of events) {
            await this.processSpan(subscription, event, parent, () => subscription.handler(event));
            await event.heartbeat(); // only talks to the broker when the interval is due
          }
        },
      );
      metrics.handlerSeconds(Number(process.hrtime.bigint() - started) / 1e9 / events.length);
      return true;
    } catch (err) {
      metrics.batchReplayed();
      this.logger.warn({ topic: subscription.topic.name, handler: subscription.name, records: events.length, err: { type: (err as Error).name, message: (err as Error).message } }, 'batch failed, replaying record by record');
      return false;
    }
  }

  /** Each record in its own attempt, retried with backoff, then parked in the DLQ. */
  private async applyOneByOne(subscription: Subscription, events: Applicable[], metrics: TopicMetrics): Promise<void> {
    for (const { event, parent, message } of events) {
      const started = process.hrtime.bigint();
      await this.processSpan(subscription, event, parent, async (span) => {
        const outcome = await this.runWithRetries(subscription, event, metrics);
        if (!outcome.ok) {
          span.setAttribute('omni.dlq', true);
          await this.deadLetter(subscription.topic.name, event.partition, message, event.headers, outcome.error, outcome.attempts);
        }
      });
      metrics.handlerSeconds(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** A CONSUMER span per record, child of the producer's context carried in its headers. */
  private processSpan(subscription: Subscription, event: ConsumedEvent<unknown>, parent: Context, fn: (span: Span) => Promise<void>): Promise<void> {
    return withMessagingSpan(
      'process',
      physicalTopic(this.connection.settings, subscription.topic.name),
      parent,
      {
        'messaging.consumer.group.name': this.groupId,
        'messaging.destination.partition.id': String(event.partition),
        'messaging.kafka.offset': Number(event.offset),
        'messaging.message.id': event.eventId,
        'omni.service': this.connection.settings.service,
      },
      fn,
    );
  }

  private decode(subscription: Subscription | undefined, batch: Batch, message: KafkaMessage, heartbeat: () => Promise<void>, redeliveryLikely: boolean): Decoded {
    const headers = headersToStrings(message.headers);
    const logical = logicalTopic(this.connection.settings, batch.topic);
    if (!subscription) return { ok: false, message, headers, error: new UndecodableRecordError(`no handler for ${logical}`) };
    try {
      const event: ConsumedEvent<unknown> = {
        value: decodeValue(subscription.topic, message.value, headers[CE_HEADERS.type]),
        key: message.key?.toString('utf8') ?? '',
        eventId: headers[CE_HEADERS.id] ?? `${batch.topic}:${batch.partition}:${message.offset}`,
        ceType: headers[CE_HEADERS.type] ?? subscription.topic.ceType,
        source: headers[CE_HEADERS.source] ?? '',
        time: new Date(headers[CE_HEADERS.time] ?? Number(message.timestamp)),
        headers,
        topic: subscription.topic.name,
        partition: batch.partition,
        offset: message.offset,
        heartbeat,
        redeliveryLikely,
      };
      return { ok: true, event, message, parent: headers.traceparent ? extractContext(headers, context.active()) : context.active() };
    } catch (err) {
      return { ok: false, message, headers, error: err as Error };
    }
  }

  private async runWithRetries(subscription: Subscription, event: ConsumedEvent<unknown>, metrics: TopicMetrics): Promise<{ ok: true } | { ok: false; error: Error; attempts: number }> {
    const settings = this.connection.settings;
    const maxAttempts = 1 + (settings.handlerRetries ?? 5);
    const baseMs = settings.handlerRetryBaseMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        await subscription.handler(event);
        return { ok: true };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const last = attempt >= maxAttempts || error instanceof NonRetryableError || error.name === 'NonRetryableError';
        metrics.handlerError();
        this.logger.warn(
          { topic: subscription.topic.name, handler: subscription.name, partition: event.partition, offset: event.offset, eventId: event.eventId, attempt, err: { type: error.name, message: error.message } },
          last ? 'handler failed, sending record to DLQ' : 'handler failed, retrying',
        );
        if (last) return { ok: false, error, attempts: attempt };
        await sleep(Math.min(baseMs * 2 ** (attempt - 1), 10_000));
        await event.heartbeat();
      }
    }
  }

  private async deadLetter(logical: string, partition: number, message: KafkaMessage, headers: Record<string, string>, error: Error, attempts: number): Promise<void> {
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
            // Error text can quote the record: scrubbed and bounded before it leaves the process.
            [DLQ_HEADERS.error]: scrubErrorText(error.message),
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
    this.metricsFor(logical).dlq();
    this.logger.error({ topic: logical, partition, offset: message.offset, attempts, errorType: error.name }, 'record parked in DLQ');
  }

  /**
   * Commits the offsets of the partitions whose chunks finished in the same turn, in one request.
   * Goes through a batch's own commit function: kafkajs's `consumer.commitOffsets` silently does
   * nothing once the consumer is stopping, which would leave a drained batch uncommitted. A failed
   * commit (a rebalance under way) only means the records come again, which the inbox absorbs:
   * warn, answer false for each and go on.
   */
  private async commitAll(pending: PendingCommit[]): Promise<boolean[]> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of pending) {
      let partitions = byTopic.get(topic);
      if (!partitions) byTopic.set(topic, (partitions = []));
      partitions.push({ partition, offset });
    }
    const topics = Array.from(byTopic, ([topic, partitions]) => ({ topic, partitions }));
    try {
      await pending[0]!.commitOffsets({ topics });
      this.commitRequests?.inc();
      return pending.map(() => true);
    } catch (err) {
      this.logger.warn({ offsets: topics, err: { message: (err as Error).message } }, 'offset commit failed; the records will be redelivered');
      return pending.map(() => false);
    }
  }

  private metricsFor(topic: string): TopicMetrics {
    let found = this.topicMetrics.get(topic);
    if (found) return found;
    const labels = { topic, group: this.groupId };
    const m = this.metrics;
    const consumed = m?.counter('omni_kafka_consumed_total', 'Records consumed', ['topic', 'group']).labels(labels);
    const batches = m?.histogram('omni_kafka_batch_records', 'Records per fetched batch', ['topic', 'group'], [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]).labels(labels);
    const seconds = m?.histogram('omni_kafka_handler_seconds', 'Time to handle one record (batched records: the batch time shared)', ['topic', 'group']).labels(labels);
    const errors = m?.counter('omni_kafka_handler_errors_total', 'Handler failures (each attempt)', ['topic', 'group']).labels(labels);
    const dlq = m?.counter('omni_kafka_dlq_total', 'Records sent to a DLQ', ['topic', 'group']).labels(labels);
    const replays = m?.counter('omni_kafka_batch_replays_total', 'Batches whose shared transaction failed, replayed record by record', ['topic', 'group']).labels(labels);
    const lag = m?.gauge('omni_kafka_consumer_lag', 'Records not yet applied, per partition: from the batch being applied to the high watermark of its fetch, or behind it once done', ['topic', 'group', 'partition']);
    found = {
      consumed: (n) => consumed?.inc(n),
      batchRecords: (n) => batches?.observe(n),
      handlerSeconds: (s) => seconds?.observe(s),
      handlerError: () => errors?.inc(),
      batchReplayed: () => replays?.inc(),
      dlq: () => dlq?.inc(),
      lag: (partition, records) => lag?.set({ ...labels, partition: String(partition) }, Number.isFinite(records) ? Math.max(records, 0) : 0),
    };
    this.topicMetrics.set(topic, found);
    return found;
  }
}
