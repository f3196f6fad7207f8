import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { Channel, ConversationResolvedSchema, create, dlqTopicName, fromBinary, RawInboundSchema, Topics, type RawInbound } from '@omni/contracts';
import { createLogger, Metrics, startTelemetry, traceIdOf, tracer } from '@omni/observability';
import { readTopicRecords, waitFor } from '@omni/testing';
import { buildEnvelope, CE_HEADERS, DLQ_HEADERS, EventConsumer, EventPublisher, headersToStrings, KafkaConnection, physicalTopic, type ConsumedEvent, type KafkaSettings } from './index';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'messaging-test', exporter });
const quietLogger = createLogger({ service: 'messaging-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function settings(service: string): KafkaSettings {
  return {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    service,
    topicPrefix: `${process.env.OMNI_TOPIC_PREFIX ?? ''}msg-${randomUUID().slice(0, 8)}.`,
    partitions: 2,
    handlerRetries: 2,
    handlerRetryBaseMs: 20,
  };
}

function raw(id: string, text: string): RawInbound {
  return create(RawInboundSchema, { id, channel: Channel.MESSENGER, body: Buffer.from(text), threadKey: 'page:user', webhookPath: '/webhooks/messenger' });
}

describe('messaging on a real Kafka broker', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await telemetry.shutdown();
  }, 60_000);

  it('publishes typed records with CloudEvents headers and continues the trace in the consumer', async () => {
    const s = settings('roundtrip');
    const connection = new KafkaConnection(s, quietLogger);
    const metrics = new Metrics('roundtrip', { defaultMetrics: false });
    const consumer = new EventConsumer(connection, quietLogger, metrics);
    closers.push(() => consumer.stop(), () => connection.close());
    const received: Array<ConsumedEvent<RawInbound>> = [];
    const consumerTraceIds: string[] = [];
    consumer.subscribe(Topics.inboundRaw, async (event) => {
      received.push(event);
      consumerTraceIds.push(tracer().startSpan('probe').spanContext().traceId);
    });
    await consumer.start();

    const publisher = new EventPublisher(connection, metrics);
    const { traceId, envelope } = await tracer().startActiveSpan('webhook', async (span) => {
      const env = await publisher.publish(Topics.inboundRaw, 'messenger:page:user', raw('r-1', 'hello'));
      span.end();
      return { traceId: span.spanContext().traceId, envelope: env };
    });

    await waitFor(() => received.length === 1, { description: 'record consumed', timeoutMs: 30_000 });
    const [event] = received;
    expect(event!.value.id).toBe('r-1');
    expect(Buffer.from(event!.value.body).toString()).toBe('hello');
    expect(event!.key).toBe('messenger:page:user');
    expect(event!.eventId).toBe(envelope.headers[CE_HEADERS.id]);
    expect(event!.headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'omni.v1.RawInbound', ce_source: 'omni/roundtrip', 'content-type': 'application/protobuf' });
    expect(traceIdOf(event!.headers.traceparent)).toBe(traceId);
    expect(consumerTraceIds[0]).toBe(traceId);
    const spanNames = exporter.getFinishedSpans().filter((sp) => sp.spanContext().traceId === traceId).map((sp) => sp.name);
    expect(spanNames).toEqual(expect.arrayContaining([`publish ${physicalTopic(s, Topics.inboundRaw.name)}`, `process ${physicalTopic(s, Topics.inboundRaw.name)}`]));
    // The consumed counter moves once the chunk is committed, just after the handler returns.
    const consumedLine = /omni_kafka_consumed_total\{[^}]*topic="omni.inbound.raw.v1"[^}]*\} 1/;
    await waitFor(async () => consumedLine.test((await metrics.render()).body), { description: 'consumed counter', timeoutMs: 10_000 });
    // The partition's first batch since the member joined may hold records its previous owner
    // applied; once one of its batches is committed, the next records are new.
    expect(event!.redeliveryLikely).toBe(true);
    await publisher.publish(Topics.inboundRaw, 'messenger:page:user', raw('r-2', 'again'));
    await waitFor(() => received.length === 2, { description: 'second record consumed', timeoutMs: 30_000 });
    expect(received[1]!.partition).toBe(event!.partition);
    expect(received[1]!.redeliveryLikely).toBe(false);
  }, 60_000);

  it('shows the records waiting while a batch is applied as consumer lag, and 0 once it is done', async () => {
    const s = { ...settings('lag'), partitions: 1 };
    const connection = new KafkaConnection(s, quietLogger);
    const metrics = new Metrics('lag', { defaultMetrics: false });
    const consumer = new EventConsumer(connection, quietLogger, metrics);
    closers.push(() => consumer.stop(), () => connection.close());
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let seen = 0;
    consumer.subscribe(Topics.inboundRaw, async () => {
      seen++;
      await held; // the first batch stays in hand until the lag was read
    });
    await consumer.start();
    const publisher = new EventPublisher(connection, metrics);
    // One produce request: the consumer fetches the ten records as one batch.
    await publisher.publishEnvelopes(Array.from({ length: 10 }, (_, i) => buildEnvelope(Topics.inboundRaw, 'messenger:page:user', raw(`lag-${i}`, 'x'), { source: 'omni/lag' })));
    const lagLine = (n: number) => new RegExp(`omni_kafka_consumer_lag\\{[^}]*topic="omni.inbound.raw.v1"[^}]*\\} ${n}$`, 'm');
    try {
      await waitFor(() => seen === 1, { description: 'first record in hand', timeoutMs: 30_000 });
      expect((await metrics.render()).body).toMatch(lagLine(10));
    } finally {
      release(); // a failed expectation must not leave the batch (and the consumer's stop) waiting
    }
    await waitFor(async () => lagLine(0).test((await metrics.render()).body), { description: 'lag back to 0', timeoutMs: 30_000 });
  }, 60_000);

  it('applies no more batches at once than partitionsConsumedConcurrently, though a fetch brings several topics', async () => {
    const s = { ...settings('slots'), partitions: 1, partitionsConsumedConcurrently: 1 };
    const connection = new KafkaConnection(s, quietLogger);
    await connection.ensureTopics([Topics.inboundRaw, Topics.conversationResolved]);
    const publisher = new EventPublisher(connection);
    await publisher.publish(Topics.inboundRaw, 'k', raw('slots-raw', 'x'));
    await publisher.publish(Topics.conversationResolved, 'k', create(ConversationResolvedSchema, { conversationId: 'c-1' }));
    // A scope that only runs the records: this broker-only suite has no database.
    const consumer = new EventConsumer(connection, quietLogger, undefined, { batchScope: { run: (_events, apply) => apply() } });
    closers.push(() => consumer.stop(), () => connection.close());
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const slowly = async (name: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 300));
      inFlight--;
      seen.push(name);
    };
    consumer.subscribe(Topics.inboundRaw, () => slowly('raw'));
    consumer.subscribe(Topics.conversationResolved, () => slowly('resolved'));
    await consumer.start();
    await waitFor(() => seen.length === 2, { description: 'both topics consumed', timeoutMs: 30_000 });
    expect(seen.sort()).toEqual(['raw', 'resolved']);
    expect(most).toBe(1);
  }, 60_000);

  it('parks a record whose handler always fails in the DLQ with the error, and keeps consuming', async () => {
    const s = { ...settings('dlq'), partitions: 1 };
    const connection = new KafkaConnection(s, quietLogger);
    const consumer = new EventConsumer(connection, quietLogger);
    closers.push(() => consumer.stop(), () => connection.close());
    const handled: string[] = [];
    let attemptsOnPoison = 0;
    consumer.subscribe(Topics.inboundRaw, async (event) => {
      if (event.value.id === 'poison') {
        attemptsOnPoison++;
        // Error text that quotes the record (as JSON.parse's does): it must not reach the DLQ headers as is.
        throw new Error(`cannot parse this body: "{\\"text\\":\\"call me on +33612345678\\"}" ${'z'.repeat(5_000)}`);
      }
      handled.push(event.value.id);
    });
    await consumer.start();
    const publisher = new EventPublisher(connection);
    await publisher.publish(Topics.inboundRaw, 'k', raw('poison', 'x'));
    await publisher.publish(Topics.inboundRaw, 'k', raw('after', 'y'));

    await waitFor(() => handled.includes('after'), { description: 'record after the poison one', timeoutMs: 30_000 });
    expect(attemptsOnPoison).toBe(3); // first try + 2 retries

    const dlq = await readTopicRecords(s.brokers, physicalTopic(s, dlqTopicName(Topics.inboundRaw.name)), 1);
    const headers = headersToStrings(dlq[0]!.headers);
    expect(fromBinary(RawInboundSchema, dlq[0]!.value!).id).toBe('poison');
    expect(headers).toMatchObject({
      [DLQ_HEADERS.errorType]: 'Error',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.originalTopic]: Topics.inboundRaw.name,
      [DLQ_HEADERS.originalOffset]: '0',
      [CE_HEADERS.type]: 'omni.v1.RawInbound',
    });
    expect(headers[DLQ_HEADERS.error]).toMatch(/^cannot parse this body: "\[…\d+ chars\]"/);
    expect(headers[DLQ_HEADERS.error]).not.toContain('+33612345678');
    expect(headers[DLQ_HEADERS.error]!.length).toBeLessThanOrEqual(501);
  }, 60_000);

  it('sends an undecodable record straight to the DLQ without retrying', async () => {
    const s = { ...settings('poison'), partitions: 1 };
    const connection = new KafkaConnection(s, quietLogger);
    const consumer = new EventConsumer(connection, quietLogger);
    closers.push(() => consumer.stop(), () => connection.close());
    let calls = 0;
    consumer.subscribe(Topics.inboundRaw, async () => void calls++);
    await consumer.start();
    const producer = await connection.producer();
    await producer.send({ topic: physicalTopic(s, Topics.inboundRaw.name), acks: -1, messages: [{ key: 'k', value: Buffer.from([0xff, 0xff, 0xff]) }] });
    const dlq = await readTopicRecords(s.brokers, physicalTopic(s, dlqTopicName(Topics.inboundRaw.name)), 1);
    expect(headersToStrings(dlq[0]!.headers)[DLQ_HEADERS.errorType]).toBe('UndecodableRecordError');
    expect(calls).toBe(0);
  }, 60_000);
});

