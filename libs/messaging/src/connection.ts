import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, type Admin, type Producer, type LogEntry } from 'kafkajs';
import type { Logger } from '@omni/observability';
import { ALL_TOPICS, DEFAULT_RETENTION_MS, dlqTopicName, Topics, type TopicDefinition } from '@omni/contracts';
import { RAW_TOPIC_MAX_MESSAGE_BYTES } from './limits';
import { logicalTopic, physicalTopic, type KafkaSettings } from './settings';

/** The retention Omni gives a topic it creates: an override, else the registry's value (DLQ twins: the same). */
export function retentionOf(definition: TopicDefinition | undefined, logical: string, overrides: Readonly<Record<string, number>> = {}): number {
  return overrides[logical] ?? definition?.retentionMs ?? DEFAULT_RETENTION_MS;
}

/**
 * The one Kafka client of a service instance: an idempotent producer (acks=all) shared by
 * publishers and the outbox relay, an admin client for provisioning and readiness, and the factory
 * for consumers.
 */
export class KafkaConnection {
  readonly kafka: Kafka;
  private producerInstance?: Producer;
  private producerReady?: Promise<Producer>;
  private adminInstance?: Admin;

  constructor(
    readonly settings: KafkaSettings,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: `omni-${settings.service}`,
      brokers: settings.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => this.logKafka(entry),
      retry: { initialRetryTime: 200, retries: 8 },
    });
  }

  producer(): Promise<Producer> {
    if (!this.producerReady) {
      // Idempotent producer: the broker dedupes retried batches, so a retry after a lost ack
      // never writes a record twice. kafkajs requires acks=-1 (all) with it.
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.producerReady = producer.connect().then(() => {
        this.producerInstance = producer;
        return producer;
      });
      this.producerReady.catch(() => (this.producerReady = undefined));
    }
    return this.producerReady;
  }

  async admin(): Promise<Admin> {
    if (!this.adminInstance) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.adminInstance = admin;
    }
    return this.adminInstance;
  }

  /**
   * Creates the given topics and their DLQ twins if missing (existing ones are left alone).
   * Services call it at start-up with the topics they produce or consume.
   */
  async ensureTopics(topics: readonly TopicDefinition[] = ALL_TOPICS): Promise<void> {
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap((t) => [t.name, dlqTopicName(t.name)]).map((name) => physicalTopic(this.settings, name));
    const missing = wanted.filter((name) => !existing.has(name));
    await this.alignRawTopicLimit(admin, wanted.filter((name) => existing.has(name)));
    if (!missing.length) return;
    const definitionOf = (name: string) => topics.find((t) => name.endsWith(t.name) || name.endsWith(dlqTopicName(t.name)));
    const partitionsOf = (name: string) => this.settings.partitions ?? definitionOf(name)?.partitions ?? 6;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitionsOf(topic),
          replicationFactor: this.settings.replicationFactor ?? -1,
          configEntries: [
            { name: 'retention.ms', value: String(retentionOf(definitionOf(topic), logicalTopic(this.settings, topic), this.settings.retentionOverrides)) },
            ...this.topicConfig(topic),
          ],
        })),
      });
    } catch (error) {
      if (!isTopicCreationRace(error)) throw error;
      // The topics exist (created by us or by a replica starting at the same time), but the broker
      // answering metadata has not caught up; kafkajs only waits out LEADER_NOT_AVAILABLE.
      await this.waitForLeaders(admin, missing);
    }
    this.logger.info({ topics: missing.length }, 'kafka topics provisioned');
  }

  /** Polls metadata until every partition of these topics has a leader (bounded: 30 s). */
  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { topics: described } = await admin.fetchTopicMetadata({ topics });
        if (described.length === topics.length && described.every((t) => t.partitions.length && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (error) {
        if (!isTopicCreationRace(error)) throw error;
      }
      if (Date.now() > deadline) throw new Error(`kafka topics have no leader 30 s after creation: ${topics.slice(0, 5).join(', ')}${topics.length > 5 ? ', …' : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Raw webhooks (and their DLQ twin) get an explicit `max.message.bytes` (see limits.ts). */
  private rawTopics(): string[] {
    return [Topics.inboundRaw.name, dlqTopicName(Topics.inboundRaw.name)].map((name) => physicalTopic(this.settings, name));
  }

  private topicConfig(topic: string): Array<{ name: string; value: string }> {
    return this.rawTopics().includes(topic) ? [{ name: 'max.message.bytes', value: String(RAW_TOPIC_MAX_MESSAGE_BYTES) }] : [];
  }

  /**
   * Topics created before the limit was set (or changed by hand) get it again: the gateway's body
   * limit is only safe if the topic takes what the producer sends. Idempotent, a no-op when set.
   * AlterConfigs replaces a topic's overrides as a whole, so the others (retention…) are sent back.
   */
  private async alignRawTopicLimit(admin: Admin, existing: readonly string[]): Promise<void> {
    const raw = existing.filter((name) => this.rawTopics().includes(name));
    if (!raw.length) return;
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: raw.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
    const limit = String(RAW_TOPIC_MAX_MESSAGE_BYTES);
    const stale = described.resources.filter((r) => Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue ?? 0) < RAW_TOPIC_MAX_MESSAGE_BYTES);
    if (!stale.length) return;
    await admin.alterConfigs({
      validateOnly: false,
      resources: stale.map((r) => ({
        type: ConfigResourceTypes.TOPIC,
        name: r.resourceName,
        configEntries: [
          ...r.configEntries
            .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== 'max.message.bytes' && !e.isSensitive)
            .map((e) => ({ name: e.configName, value: e.configValue })),
          { name: 'max.message.bytes', value: limit },
        ],
      })),
    });
    this.logger.info({ topics: stale.length, maxMessageBytes: RAW_TOPIC_MAX_MESSAGE_BYTES }, 'raw topic max.message.bytes aligned');
  }

  /** Readiness: the cluster answers a metadata request. */
  async ping(): Promise<void> {
    const admin = await this.admin();
    await admin.describeCluster();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producerInstance?.disconnect(), this.adminInstance?.disconnect()]);
    this.producerInstance = undefined;
    this.producerReady = undefined;
    this.adminInstance = undefined;
  }

  private logKafka(entry: LogEntry): void {
    const { message, ...extra } = entry.log;
    const fields = { component: 'kafkajs', kafkaNamespace: entry.namespace, error: extra.error };
    const level = kafkaLogLevel(entry.namespace, message, entry.level);
    if (level === logLevel.ERROR) this.logger.error(fields, message);
    else if (level === logLevel.WARN) this.logger.warn(fields, message);
    else this.logger.debug(fields, message);
  }
}

/**
 * The level a kafkajs log line gets in Omni's logs. kafkajs logs every error response at ERROR,
 * including CreateTopics answering "already exists" when the services start together and race to
 * create the same topics: ensureTopics decides whether that is a failure (isTopicCreationRace) and
 * throws if it is, so kafkajs's own line is only noise at debug.
 */
export function kafkaLogLevel(namespace: string, message: string, level: logLevel): logLevel {
  if (level === logLevel.ERROR && namespace === 'Connection' && message.startsWith('Response CreateTopics')) return logLevel.DEBUG;
  return level;
}

/**
 * Errors that mean "the topics are there, or about to be": metadata that has not caught up with a
 * creation (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE), or a replica that created some of
 * them first (TOPIC_ALREADY_EXISTS next to other outcomes). Anything else is a real failure.
 */
export function isTopicCreationRace(error: unknown): boolean {
  const benign = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'TOPIC_ALREADY_EXISTS']);
  const typeOf = (e: unknown) => (e && typeof e === 'object' ? (e as { type?: unknown }).type : undefined);
  const nested = error && typeof error === 'object' ? (error as { errors?: unknown }).errors : undefined;
  if (Array.isArray(nested) && nested.length) return nested.every((e) => benign.has(String(typeOf(e))));
  return benign.has(String(typeOf(error)));
}

