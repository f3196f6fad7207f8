import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Channel, create, RawInboundSchema, Topics } from '@omni/contracts';
import { Metrics, startTelemetry, traceIdOf, tracer } from '@omni/observability';
import type { KafkaConnection } from './connection';
import { buildEnvelope, CE_HEADERS } from './envelope';
import { EventPublisher } from './publisher';
import type { BatchProducer } from './produce-batcher';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'publisher-test', exporter });
afterAll(() => telemetry.shutdown());

/** kafkajs Producer double: holds each request until the test answers it. */
class FakeProducer implements BatchProducer {
  readonly requests: Array<{ batch: ProducerBatch; ack: () => void; fail: (e: Error) => void }> = [];
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => this.requests.push({ batch, ack: () => resolve([]), fail: reject }));
  }
}

function setup(options: { lingerMs?: number } = {}) {
  const producer = new FakeProducer();
  const connection = { settings: { service: 'svc', topicPrefix: 'p.', brokers: [] }, producer: async () => producer } as unknown as KafkaConnection;
  const metrics = new Metrics('svc', { defaultMetrics: false });
  return { producer, metrics, publisher: new EventPublisher(connection, metrics, options) };
}

const raw = (id: string) => create(RawInboundSchema, { id, channel: Channel.MESSENGER });
const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!condition()) throw new Error('condition not met');
};

describe('EventPublisher', () => {
  beforeEach(() => exporter.reset());

  it('gives each record a PRODUCER span whose context is its traceparent; the span ends when the record is acked', async () => {
    const { producer, publisher, metrics } = setup();
    const { traceId, done } = tracer().startActiveSpan('webhook', (span) => {
      const publishing = Promise.all([publisher.publish(Topics.inboundRaw, 'k1', raw('a')), publisher.publish(Topics.inboundRaw, 'k2', raw('b'))]);
      span.end();
      return { traceId: span.spanContext().traceId, done: publishing };
    });
    await waitFor(() => producer.requests.length === 1);
    const [request] = producer.requests;
    expect(request!.batch.acks).toBe(-1);
    const messages = request!.batch.topicMessages![0]!.messages;
    expect(request!.batch.topicMessages![0]!.topic).toBe('p.omni.inbound.raw.v1');
    expect(messages.map((m) => m.key)).toEqual(['k1', 'k2']);
    expect(exporter.getFinishedSpans().filter((s) => s.name.startsWith('publish'))).toHaveLength(0); // not acked yet

    request!.ack();
    const [a] = await done;
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'publish p.omni.inbound.raw.v1');
    expect(spans).toHaveLength(2);
    const headers = messages[0]!.headers as Record<string, string>;
    expect(headers).toMatchObject({ ce_specversion: '1.0', ce_source: 'omni/svc', ce_type: 'omni.v1.RawInbound', 'content-type': 'application/protobuf' });
    expect(traceIdOf(headers.traceparent)).toBe(traceId);
    expect(headers.traceparent).toContain(spans[0]!.spanContext().spanId);
    expect(spans[0]!.kind).toBe(SpanKind.PRODUCER);
    expect(spans[0]!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'p.omni.inbound.raw.v1',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.kafka.message.key': 'k1',
      'messaging.message.id': a.headers[CE_HEADERS.id],
    });
    expect(a.headers.traceparent).toBeUndefined(); // the returned envelope is not changed
    const rendered = (await metrics.render()).body;
    expect(rendered).toMatch(/omni_kafka_published_total\{[^}]*topic="p.omni.inbound.raw.v1"[^}]*\} 2/);
    expect(rendered).toMatch(/omni_kafka_produce_batch_records_sum\{[^}]*\} 2/);
    expect(rendered).toMatch(/omni_kafka_produce_batch_records_count\{[^}]*\} 1/);
  });

  it('continues the trace stored in an outbox envelope, replacing its traceparent with the publish span', async () => {
    const { producer, publisher } = setup();
    const stored = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const envelopes = Array.from({ length: 300 }, (_, i) => {
      const envelope = buildEnvelope(Topics.inboundRaw, `k${i % 7}`, raw(`r${i}`), { source: 'omni/relay' });
      envelope.headers.traceparent = stored;
      envelope.headers.tracestate = 'omni=1';
      return envelope;
    });
    const publishing = publisher.publishEnvelopes(envelopes);
    await waitFor(() => producer.requests.length === 1);
    producer.requests[0]!.ack();
    await publishing;
    expect(producer.requests).toHaveLength(1); // an outbox batch that fits stays one request
    const messages = producer.requests[0]!.batch.topicMessages![0]!.messages;
    expect(messages.map((m) => m.key)).toEqual(envelopes.map((e) => e.key));
    const headers = messages[0]!.headers as Record<string, string>;
    expect(traceIdOf(headers.traceparent)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(headers.traceparent).not.toBe(stored);
    expect(headers.tracestate).toBe('omni=1'); // propagated from the stored context
    const span = exporter.getFinishedSpans().find((s) => headers.traceparent!.includes(s.spanContext().spanId))!;
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(envelopes[0]!.headers.traceparent).toBe(stored);
  });

  it('rejects every publish of a failed request and marks their spans as errors', async () => {
    const { producer, publisher, metrics } = setup();
    const calls = [publisher.publish(Topics.inboundRaw, 'k', raw('a')), publisher.publish(Topics.inboundRaw, 'k', raw('b'))];
    await waitFor(() => producer.requests.length === 1);
    producer.requests[0]!.fail(new Error('REQUEST_TIMED_OUT'));
    for (const call of calls) await expect(call).rejects.toThrow('REQUEST_TIMED_OUT');
    const spans = exporter.getFinishedSpans().filter((s) => s.name.startsWith('publish'));
    expect(spans.map((s) => s.status)).toEqual([
      { code: SpanStatusCode.ERROR, message: 'REQUEST_TIMED_OUT' },
      { code: SpanStatusCode.ERROR, message: 'REQUEST_TIMED_OUT' },
    ]);
    expect((await metrics.render()).body).not.toMatch(/omni_kafka_published_total\{/);
  });

  it('flush() and close() drain what is queued; close() refuses later publishes', async () => {
    const { producer, publisher } = setup({ lingerMs: 1000 });
    const queued = publisher.publish(Topics.inboundRaw, 'k', raw('a'));
    const closing = publisher.close();
    await waitFor(() => producer.requests.length === 1);
    producer.requests[0]!.ack();
    await closing;
    await expect(queued).resolves.toBeDefined();
    await expect(publisher.publish(Topics.inboundRaw, 'k', raw('b'))).rejects.toThrow(/closing/);
    expect(exporter.getFinishedSpans().filter((s) => s.status.code === SpanStatusCode.ERROR)).toHaveLength(1);
  });
});
