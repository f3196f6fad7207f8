import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { DescMessage, MessageShape, TopicDefinition } from '@omni/contracts';
import type { Metrics } from '@omni/observability';
import type { KafkaConnection } from './connection';
import { buildEnvelope, CE_HEADERS, type Envelope, type EnvelopeOptions } from './envelope';
import { ProduceBatcher, type ProduceBatcherOptions, type ProduceRecord } from './produce-batcher';
import { physicalTopic } from './settings';
import { extractContext, injectContext, startMessagingSpan } from './trace-headers';

/** Records per produce request: the histogram's buckets. */
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Batching settings of a publisher (see ProduceBatcher); the hooks are the publisher's own. */
export type EventPublisherOptions = Omit<ProduceBatcherOptions, 'onRequest' | 'onAcked'>;

/**
 * Typed publishing over the topic registry. Resolves only once Kafka acknowledged the records with
 * acks=all, so callers (webhooks, the outbox relay) can treat success as durable.
 *
 * Concurrent calls share produce requests (see ProduceBatcher): the service's producer sends one
 * request at a time, so everything published meanwhile goes out together in the next one. Call
 * `close()` (or at least `flush()`) before the connection is closed, or queued records are lost.
 */
export class EventPublisher {
  /** The batcher all of this publisher's records go through. */
  readonly batcher: ProduceBatcher;
  private readonly names = new Map<string, string>();

  constructor(
    private readonly connection: KafkaConnection,
    private readonly metrics?: Metrics,
    options: EventPublisherOptions = {},
  ) {
    const published = metrics?.counter('omni_kafka_published_total', 'Records published', ['topic']);
    const batchSize = metrics?.histogram('omni_kafka_produce_batch_records', 'Records per Kafka produce request', [], BATCH_BUCKETS);
    this.batcher = new ProduceBatcher(() => connection.producer(), {
      ...options,
      onRequest: batchSize ? (records) => batchSize.observe(records) : undefined,
      onAcked: published
        ? (_records, perTopic) => {
            for (const [topic, count] of perTopic) published.inc({ topic }, count);
          }
        : undefined,
    });
  }

  async publish<S extends DescMessage>(
    topic: TopicDefinition<S>,
    key: string,
    message: MessageShape<S>,
    options: Partial<EnvelopeOptions> = {},
  ): Promise<Envelope> {
    const envelope = buildEnvelope(topic, key, message, { source: `omni/${this.connection.settings.service}`, ...options });
    await this.publishEnvelopes([envelope]);
    return envelope;
  }

  /**
   * Produces already-built envelopes (used directly by the outbox relay), in order, in one produce
   * request when they fit one (≤ 500 records / 1 MiB by default). Each record gets a PRODUCER
   * span, child of the trace context stored in its headers when present (outbox rows), else of the
   * active context; that span's context is written into the record's headers, and the span ends
   * when the record was acknowledged (or failed).
   */
  async publishEnvelopes(envelopes: readonly Envelope[]): Promise<void> {
    const count = envelopes.length;
    if (!count) return;
    const active = context.active();
    const records = new Array<ProduceRecord>(count);
    const spans = new Array<Span>(count);
    for (let i = 0; i < count; i++) {
      const envelope = envelopes[i]!;
      const source = envelope.headers;
      const topic = this.physical(envelope.topic);
      const parent = source.traceparent ? extractContext(source, active) : active;
      const span = startMessagingSpan('publish', topic, parent, { 'messaging.kafka.message.key': envelope.key, 'messaging.message.id': source[CE_HEADERS.id] });
      // A fresh headers object (the envelope's stays as it is) without any earlier trace context.
      const headers: Record<string, string> = {};
      for (const name in source) if (name !== 'traceparent' && name !== 'tracestate') headers[name] = source[name]!;
      injectContext(headers, trace.setSpan(parent, span));
      spans[i] = span;
      records[i] = { topic, key: envelope.key, value: envelope.value, headers };
    }
    return this.batcher.submit(records, {
      acked: (from, to) => {
        for (let i = from; i < to; i++) spans[i]!.end();
      },
      failed: (error, from) => {
        const message = error instanceof Error ? error.message : String(error);
        for (let i = from; i < count; i++) {
          const span = spans[i]!;
          if (error instanceof Error) span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message });
          span.end();
        }
      },
    });
  }

  /** Sends what is queued now and resolves once everything published so far has settled. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * Stops accepting records and flushes. Whoever closes the KafkaConnection calls this first:
   * `await publisher.close(); await connection.close();`.
   */
  close(): Promise<void> {
    return this.batcher.close();
  }

  /** Physical topic names, computed once per logical topic (this runs for every record). */
  private physical(logical: string): string {
    let name = this.names.get(logical);
    if (name === undefined) {
      name = physicalTopic(this.connection.settings, logical);
      this.names.set(logical, name);
    }
    return name;
  }
}
