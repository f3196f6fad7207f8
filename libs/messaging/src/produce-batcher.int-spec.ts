import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Kafka, type KafkaMessage } from 'kafkajs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { Channel, create, fromBinary, RawInboundSchema, Topics, type RawInbound } from '@omni/contracts';
import { createLogger, Metrics, startTelemetry, traceIdOf, tracer } from '@omni/observability';
import { waitFor } from '@omni/testing';
import { buildEnvelope, CE_HEADERS, EventPublisher, headersToStrings, KafkaConnection, physicalTopic, type KafkaSettings } from './index';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'batcher-test', exporter });
const quietLogger = createLogger({ service: 'batcher-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function settings(service: string): KafkaSettings {
  return {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    service,
    topicPrefix: `${process.env.OMNI_TOPIC_PREFIX ?? ''}batch-${randomUUID().slice(0, 8)}.`,
    partitions: 3,
  };
}

function raw(id: string): RawInbound {
  return create(RawInboundSchema, { id, channel: Channel.MESSENGER, body: Buffer.from(`body of ${id}`), threadKey: 'page:user' });
}

/** Counts produce requests by wrapping the connection's producer's sendBatch. */
async function countRequests(connection: KafkaConnection): Promise<() => number> {
  const producer = await connection.producer();
  const original = producer.sendBatch.bind(producer);
  let requests = 0;
  producer.sendBatch = (batch) => {
    requests++;
    return original(batch);
  };
  return () => requests;
}

async function readAll(s: KafkaSettings, count: number): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ brokers: s.brokers, logLevel: 0 });
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: physicalTopic(s, Topics.inboundRaw.name), fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  try {
    await waitFor(() => messages.length >= count, { description: `${count} records`, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500)); // and no more than that
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('ProduceBatcher on a real Kafka broker', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await telemetry.shutdown();
  }, 60_000);

  it('turns 200 concurrent publishes into a few produce requests; every record arrives once, in order per key, headers intact', async () => {
    const s = settings('burst');
    const connection = new KafkaConnection(s, quietLogger);
    const metrics = new Metrics('burst', { defaultMetrics: false });
    const publisher = new EventPublisher(connection, metrics);
    closers.push(() => connection.close(), () => publisher.close());
    await connection.ensureTopics([Topics.inboundRaw]);
    const requests = await countRequests(connection);

    const keys = Array.from({ length: 10 }, (_, k) => `messenger:page:user-${k}`);
    const traceIds = new Map<string, string>();
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) {
      const id = `r-${String(i).padStart(3, '0')}`;
      // Like webhooks: each publish in its own trace, arriving over a few event-loop turns.
      calls.push(
        tracer().startActiveSpan(`webhook ${id}`, (span) => {
          traceIds.set(id, span.spanContext().traceId);
          return publisher.publish(Topics.inboundRaw, keys[i % keys.length]!, raw(id), { id }).finally(() => span.end());
        }),
      );
      if (i % 25 === 24) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    const sent = requests();
    process.stdout.write(`[produce-batcher] 200 concurrent publishes went out in ${sent} produce request(s)\n`);
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(20); // instead of 200
    const rendered = (await metrics.render()).body;
    expect(rendered).toMatch(new RegExp(`omni_kafka_produce_batch_records_count\\{[^}]*\\} ${sent}\\b`));
    expect(rendered).toMatch(/omni_kafka_produce_batch_records_sum\{[^}]*\} 200\b/);
    expect(rendered).toMatch(/omni_kafka_published_total\{[^}]*\} 200\b/);

    const messages = await readAll(s, 200);
    expect(messages).toHaveLength(200);
    const byKey = new Map<string, string[]>();
    for (const message of messages) {
      const value = fromBinary(RawInboundSchema, message.value!);
      const headers = headersToStrings(message.headers);
      expect(headers[CE_HEADERS.id]).toBe(value.id);
      expect(headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'omni.v1.RawInbound', ce_source: 'omni/burst', 'content-type': 'application/protobuf' });
      expect(Buffer.from(value.body).toString()).toBe(`body of ${value.id}`);
      expect(traceIdOf(headers.traceparent)).toBe(traceIds.get(value.id));
      const key = message.key!.toString();
      byKey.set(key, [...(byKey.get(key) ?? []), value.id]);
    }
    expect(new Set(messages.map((m) => headersToStrings(m.headers)[CE_HEADERS.id])).size).toBe(200);
    for (const [k, key] of keys.entries()) {
      const expected = Array.from({ length: 20 }, (_, j) => `r-${String(j * keys.length + k).padStart(3, '0')}`);
      expect(byKey.get(key)).toEqual(expected);
    }
    const publishSpans = exporter.getFinishedSpans().filter((span) => span.name === `publish ${physicalTopic(s, Topics.inboundRaw.name)}`);
    expect(publishSpans).toHaveLength(200);
  }, 90_000);

  it('keeps an outbox batch of 300 envelopes one request, and close() delivers queued records before the connection closes', async () => {
    const s = settings('outbox');
    const connection = new KafkaConnection(s, quietLogger);
    const publisher = new EventPublisher(connection, undefined, { lingerMs: 1000 });
    await connection.ensureTopics([Topics.inboundRaw]);
    const requests = await countRequests(connection);

    const envelopes = Array.from({ length: 300 }, (_, i) => buildEnvelope(Topics.inboundRaw, `k${i % 4}`, raw(`o-${i}`), { id: `o-${i}`, source: 'omni/relay' }));
    // flush(): no need to sit out the 1 s linger
    await Promise.all([publisher.publishEnvelopes(envelopes), publisher.flush()]);
    expect(requests()).toBe(1);

    // Queued behind a long linger, then closed: close() must send them, not drop them.
    const late = Array.from({ length: 20 }, (_, i) => publisher.publish(Topics.inboundRaw, 'k-late', raw(`late-${i}`), { id: `late-${i}` }));
    await publisher.close();
    await connection.close();
    await Promise.all(late);
    expect(requests()).toBe(2);

    const messages = await readAll(s, 320);
    expect(messages).toHaveLength(320);
    const ids = messages.map((m) => headersToStrings(m.headers)[CE_HEADERS.id]!);
    expect(new Set(ids).size).toBe(320);
    expect(ids.filter((id) => id.startsWith('late-'))).toEqual(Array.from({ length: 20 }, (_, i) => `late-${i}`));
  }, 90_000);
});
