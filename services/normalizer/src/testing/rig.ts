/**
 * Test rig for the normalizer's integration specs: the real service (startService) on a clock the
 * test controls, against the run's real Kafka and PostgreSQL, plus builders for the raw records a
 * gateway would write and helpers to read what the normalizer published and stored.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { Channel, channelSlug, create, RawInboundSchema, timestampFromDate, type RawInbound, Topics, type MessageShape, type DescMessage, type TopicDefinition } from '@omni/contracts';
import { buildEnvelope, EventPublisher, KafkaConnection, type Envelope } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, serviceTestEnv, testEnv, waitFor } from '@omni/testing';
import type { NormalizerConfig } from '../config';
import { Clock } from '../domain/clock';
import { createNormalizer } from '../normalizer';

/** A clock that follows real time until pinned; then it moves only when told. */
export class TestClock extends Clock {
  private pinned?: Date;
  now(): Date {
    return new Date(this.pinned ?? Date.now());
  }
  set(at: Date | string): void {
    this.pinned = new Date(at);
  }
  advance(ms: number): void {
    this.pinned = new Date(this.now().getTime() + ms);
  }
  release(): void {
    this.pinned = undefined;
  }
}

export const PAGE_ID = '104857600000001';
export const WA_PHONE_NUMBER_ID = '106540352242922';
export const WA_WABA_ID = '102290129340398';
export const TWILIO_NUMBER = '+14155550100';

export interface RawSpec {
  channel: Channel;
  body: string;
  contentType: string;
  webhookPath: string;
  accountId: string;
  threadKey: string;
  receivedAt?: Date;
}

export const raw = {
  messengerText(psid: string, mid: string, text: string, atMs: number): RawSpec {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: atMs, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: atMs, message: { mid, text } }] }],
    });
    return { channel: Channel.MESSENGER, body, contentType: 'application/json', webhookPath: '/webhooks/messenger', accountId: PAGE_ID, threadKey: psid };
  },
  messengerReferral(psid: string, ref: string, atMs: number): RawSpec {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: atMs, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: atMs, referral: { ref, source: 'SHORTLINK', type: 'OPEN_THREAD' } }] }],
    });
    return { channel: Channel.MESSENGER, body, contentType: 'application/json', webhookPath: '/webhooks/messenger', accountId: PAGE_ID, threadKey: psid };
  },
  messengerEcho(psid: string, mid: string, text: string, atMs: number): RawSpec {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: atMs, messaging: [{ sender: { id: PAGE_ID }, recipient: { id: psid }, timestamp: atMs, message: { mid, text, is_echo: true, app_id: 1517 } }] }],
    });
    return { channel: Channel.MESSENGER, body, contentType: 'application/json', webhookPath: '/webhooks/messenger', accountId: PAGE_ID, threadKey: psid };
  },
  messengerRead(psid: string, watermarkMs: number): RawSpec {
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: watermarkMs + 5, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: watermarkMs + 1, read: { watermark: watermarkMs } }] }],
    });
    return { channel: Channel.MESSENGER, body, contentType: 'application/json', webhookPath: '/webhooks/messenger', accountId: PAGE_ID, threadKey: psid };
  },
  whatsappText(waId: string, wamid: string, text: string, atMs: number, name = 'Ana Ruiz'): RawSpec {
    return whatsapp(waId, {
      contacts: [{ profile: { name }, wa_id: waId }],
      messages: [{ from: waId, id: wamid, timestamp: String(Math.floor(atMs / 1000)), type: 'text', text: { body: text } }],
    });
  },
  whatsappUnsupported(waId: string, wamid: string, atMs: number): RawSpec {
    return whatsapp(waId, {
      contacts: [{ profile: { name: 'Ana Ruiz' }, wa_id: waId }],
      messages: [{ from: waId, id: wamid, timestamp: String(Math.floor(atMs / 1000)), type: 'hologram', hologram: { id: 'h1' } }],
    });
  },
  whatsappStatus(waId: string, wamid: string, status: string, atMs: number, outboundId?: string): RawSpec {
    return whatsapp(waId, {
      statuses: [{ id: wamid, status, timestamp: String(Math.floor(atMs / 1000)), recipient_id: waId, ...(outboundId ? { biz_opaque_callback_data: outboundId } : {}) }],
    });
  },
  smsText(from: string, sid: string, text: string): RawSpec {
    const body = new URLSearchParams({ MessageSid: sid, SmsSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: TWILIO_NUMBER, Body: text, NumMedia: '0' }).toString();
    return { channel: Channel.SMS, body, contentType: 'application/x-www-form-urlencoded', webhookPath: '/webhooks/twilio/sms', accountId: TWILIO_NUMBER, threadKey: from };
  },
  /** A private-chat text update to one bot; the bot is the record's account (Telegram bodies do not name it). */
  telegramText(botId: string, chatId: string, messageId: number, text: string, atMs: number): RawSpec {
    const from = { id: Number(chatId), is_bot: false, first_name: 'Ana' };
    const body = JSON.stringify({ update_id: messageId, message: { message_id: messageId, from, chat: { ...from, type: 'private' }, date: Math.floor(atMs / 1000), text } });
    return { channel: Channel.TELEGRAM, body, contentType: 'application/json', webhookPath: '/webhooks/telegram', accountId: botId, threadKey: chatId };
  },
  smsStatus(to: string, sid: string, status: string): RawSpec {
    const body = new URLSearchParams({ MessageSid: sid, SmsSid: sid, MessageStatus: status, From: TWILIO_NUMBER, To: to, AccountSid: `AC${'0'.repeat(32)}` }).toString();
    return { channel: Channel.SMS, body, contentType: 'application/x-www-form-urlencoded', webhookPath: '/webhooks/twilio/status', accountId: TWILIO_NUMBER, threadKey: to };
  },
};

function whatsapp(waId: string, value: Record<string, unknown>): RawSpec {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: WA_WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: WA_PHONE_NUMBER_ID }, ...value } }] }],
  });
  return { channel: Channel.WHATSAPP, body, contentType: 'application/json', webhookPath: '/webhooks/whatsapp', accountId: WA_PHONE_NUMBER_ID, threadKey: waId };
}

/** Unique-enough ids so specs sharing the run's database never meet each other's customers. */
export function uniqueDigits(length: number): string {
  let digits = '';
  while (digits.length < length) digits += Math.floor(Math.random() * 1e9).toString().padStart(9, '0');
  return digits.slice(0, length);
}

const quiet = createLogger({ service: 'normalizer-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

export interface Rig {
  prefix: string;
  clock: TestClock;
  service: RunningService<NormalizerConfig>;
  url: string;
  tap: KafkaTap;
  connection: KafkaConnection;
  /** Writes raw records as a gateway would (one record per call, each with its own raw id). */
  send(spec: RawSpec): Promise<string>;
  /** Writes several raw records of one channel in one produce request (they reach the normalizer as one batch per partition). */
  sendAll(specs: readonly RawSpec[]): Promise<string[]>;
  /** Publishes any event as another service would (source omni/<service>). */
  publish<S extends DescMessage>(topic: TopicDefinition<S>, key: string, value: MessageShape<S>, service: string, options?: { id?: string }): Promise<Envelope>;
  /** Publishes several events under one key in one produce request: one partition, so they reach the normalizer as one batch. */
  publishAll<S extends DescMessage>(topic: TopicDefinition<S>, key: string, events: ReadonlyArray<{ id: string; value: MessageShape<S> }>, service: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The normalizer's raw records consumed, fetched batches and batches replayed record by record so far (its consumer metrics). */
  rawBatches(): Promise<{ records: number; batches: number; replays: number }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted on, shape by shape
  http(method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; location: string | null; json: any }>;
  /** Another normalizer instance in the same consumer group (a rebalance), on the same clock. */
  startInstance(): Promise<RunningService<NormalizerConfig>>;
  stop(): Promise<void>;
}

/** A raw record as a gateway writes it, with its own raw id, and its record key. */
function rawRecordOf(spec: RawSpec, clock: TestClock): { key: string; record: RawInbound } {
  const record = create(RawInboundSchema, {
    id: randomUUID(),
    channel: spec.channel,
    receivedAt: timestampFromDate(spec.receivedAt ?? clock.now()),
    body: Buffer.from(spec.body),
    contentType: spec.contentType,
    webhookPath: spec.webhookPath,
    headers: {},
    accountId: spec.accountId,
    threadKey: spec.threadKey,
  });
  return { key: `${channelSlug(spec.channel)}:${spec.accountId}:${spec.threadKey}`, record };
}

export async function startRig(options: { env?: Record<string, string>; prefix?: string; clock?: TestClock; tapTopics?: TopicDefinition[] } = {}): Promise<Rig> {
  const env = testEnv();
  const prefix = options.prefix ?? `${env.topicPrefix}n${randomUUID().slice(0, 6)}.`;
  const clock = options.clock ?? new TestClock();
  const serviceEnv = serviceTestEnv({ prefix }, options.env);
  const service = await startWithRetry(() => startService(createNormalizer({ clock }), { env: serviceEnv, waitForReadyMs: 90_000 }));
  const connection = new KafkaConnection({ brokers: env.kafkaBrokers, service: 'normalizer-test', topicPrefix: prefix, partitions: 2 }, quiet);
  const publishers = new Map<string, EventPublisher>();
  const connections: KafkaConnection[] = [];
  const tap = await new KafkaTap(env.kafkaBrokers, prefix, options.tapTopics ?? [Topics.messageNormalized, Topics.messageStatus, Topics.contactErased, Topics.consentChanged]).start();
  const pg = new Client({ connectionString: env.databaseUrl });
  await pg.connect();
  const publisherFor = (service: string) => {
    let publisher = publishers.get(service);
    if (!publisher) {
      const own = new KafkaConnection({ brokers: env.kafkaBrokers, service, topicPrefix: prefix, partitions: 2 }, quiet);
      connections.push(own);
      publisher = new EventPublisher(own);
      publishers.set(service, publisher);
    }
    return publisher;
  };
  return {
    prefix,
    clock,
    service,
    url: service.url,
    tap,
    connection,
    async send(spec) {
      const { key, record } = rawRecordOf(spec, clock);
      await publisherFor(`gateway-${channelSlug(spec.channel)}`).publish(Topics.inboundRaw, key, record, { id: record.id });
      return record.id;
    },
    async sendAll(specs) {
      const records = specs.map((spec) => rawRecordOf(spec, clock));
      const gateway = `gateway-${channelSlug(specs[0]!.channel)}`;
      await publisherFor(gateway).publishEnvelopes(records.map(({ key, record }) => buildEnvelope(Topics.inboundRaw, key, record, { id: record.id, source: `omni/${gateway}` })));
      return records.map(({ record }) => record.id);
    },
    publish: (topic, key, value, service, options) => publisherFor(service).publish(topic, key, value, options),
    publishAll: (topic, key, events, service) =>
      publisherFor(service).publishEnvelopes(events.map(({ id, value }) => buildEnvelope(topic, key, value, { id, source: `omni/${service}` }))),
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pg.query(sql, params)).rows as T[];
    },
    async rawBatches() {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const value = (series: string) => Number(text.match(new RegExp(`^omni_kafka_${series}\\{[^}]*topic="omni\\.inbound\\.raw\\.v1"[^}]*\\} (\\S+)$`, 'm'))?.[1] ?? 0);
      return { records: value('batch_records_sum'), batches: value('batch_records_count'), replays: value('batch_replays_total') };
    },
    async http(method, path, body) {
      const response = await fetch(`${service.url}${path}`, {
        method,
        redirect: 'manual',
        headers: { ...(await authHeader(['admin'])), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type'), location: response.headers.get('location'), json: text ? JSON.parse(text) : undefined };
    },
    startInstance: () => startService(createNormalizer({ clock }), { env: serviceEnv, waitForReadyMs: 90_000 }),
    async stop() {
      await tap.stop().catch(() => undefined);
      await service.close().catch(() => undefined);
      await Promise.allSettled(connections.map((c) => c.close()));
      await connection.close().catch(() => undefined);
      await pg.end().catch(() => undefined);
    },
  };
}

/**
 * Specs in other jest workers may start a normalizer on the same fresh database at the same moment;
 * TypeORM does not lock migrations, so the loser of that race fails on "already exists" and simply
 * starts again once the winner has migrated.
 */
async function startWithRetry<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/already exists|duplicate key/i.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Waits until every raw record so far was applied by the normalizer's consumer group. */
export async function drained(rig: Rig, description = 'normalizer caught up'): Promise<void> {
  await waitFor(
    async () => {
      const admin = await rig.connection.admin();
      const topic = `${rig.prefix}${Topics.inboundRaw.name}`;
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: `${rig.prefix}omni-normalizer`, topics: [topic] }),
      ]);
      return ends.every((end) => end.high === '0' || committed[0]!.partitions.find((p) => p.partition === end.partition)?.offset === end.high);
    },
    { description, timeoutMs: 30_000, intervalMs: 100 },
  );
}
