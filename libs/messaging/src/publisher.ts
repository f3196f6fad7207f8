import { context } from '@opentelemetry/api';
import type { DescMessage, MessageShape, TopicDefinition } from '@omni/contracts';
import type { Metrics } from '@omni/observability';
import type { KafkaConnection } from './connection';
import { buildEnvelope, CE_HEADERS, type Envelope, type EnvelopeOptions } from './envelope';
import { physicalTopic } from './settings';
import { extractContext, injectContext, withMessagingSpan } from './trace-headers';

/**
 * Typed publishing over the topic registry. Resolves only once Kafka acknowledged the records with
 * acks=all, so callers (webhooks, the outbox relay) can treat success as durable.
 */
export class EventPublisher {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly metrics?: Metrics,
  ) {}

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
   * Produces already-built envelopes (used directly by the outbox relay). Each record gets a
   * PRODUCER span, child of the trace context stored in its headers when present (outbox rows),
   * else of the active context; that span's context is written into the record's headers.
   */
  async publishEnvelopes(envelopes: readonly Envelope[]): Promise<void> {
    if (!envelopes.length) return;
    const producer = await this.connection.producer();
    const settings = this.connection.settings;
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers: Record<string, string> }>>();
    const spans: Array<Promise<void>> = [];
    let release!: () => void;
    const sent = new Promise<void>((resolve) => (release = resolve));
    let failure: unknown;

    for (const envelope of envelopes) {
      const topic = physicalTopic(settings, envelope.topic);
      const headers = { ...envelope.headers };
      const parent = headers.traceparent ? extractContext(headers, context.active()) : context.active();
      delete headers.traceparent;
      delete headers.tracestate;
      spans.push(
        withMessagingSpan('publish', topic, parent, { 'messaging.message.id': headers[CE_HEADERS.id], 'messaging.kafka.message.key': envelope.key }, async (_span, ctx) => {
          injectContext(headers, ctx);
          const list = byTopic.get(topic) ?? [];
          list.push({ key: envelope.key, value: envelope.value, headers });
          byTopic.set(topic, list);
          await sent;
          if (failure) throw failure;
        }),
      );
    }
    // All spans are open and headers injected: send everything in one request, then close spans.
    await Promise.resolve();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: Array.from(byTopic, ([topic, messages]) => ({ topic, messages })),
      });
      for (const [topic, messages] of byTopic) this.metrics?.counter('omni_kafka_published_total', 'Records published', ['topic']).inc({ topic }, messages.length);
    } catch (err) {
      failure = err;
    } finally {
      release();
    }
    const results = await Promise.allSettled(spans);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (rejected) throw rejected.reason;
  }
}
