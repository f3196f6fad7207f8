/** How a service reaches Kafka. Built from validated env by the service kit. */
export interface KafkaSettings {
  brokers: string[];
  /** kafkajs client id; also the CloudEvents `ce_source` ("omni/<service>"). */
  service: string;
  /**
   * Prepended to every topic and consumer group name. Empty in production; each test run uses its
   * own so runs sharing a broker don't collide.
   */
  topicPrefix: string;
  /** Partitions for topics Omni provisions at start-up. */
  partitions?: number;
  replicationFactor?: number;
  /**
   * How many partitions' batches one instance has in hand at once (default 3). Those of one topic
   * that one fetch brought are applied in one transaction.
   */
  partitionsConsumedConcurrently?: number;
  /** Handler retries before the record goes to the DLQ, and the first backoff delay. */
  handlerRetries?: number;
  handlerRetryBaseMs?: number;
  /**
   * How long the group waits for a silent member before rebalancing (broker minimum 6 s). It bounds
   * how long a SIGKILLed instance's partitions wait; default 6 s.
   */
  sessionTimeoutMs?: number;
  /** How long members get to rejoin during a rebalance; default 30 s. */
  rebalanceTimeoutMs?: number;
  /** Linger of the produce micro-batcher (ms, default 1); 0 coalesces only records that arrive together or while a request is in flight. */
  produceLingerMs?: number;
  /**
   * `retention.ms` per logical topic name (a `.dlq` name targets the twin), overriding the
   * registry's defaults when Omni creates topics (KAFKA_TOPIC_RETENTION_MS).
   */
  retentionOverrides?: Readonly<Record<string, number>>;
  /** How long an idle fetch waits at the broker before returning empty; default 2 s. */
  fetchMaxWaitMs?: number;
  /**
   * Fetch linger (ms): after a fetch that returned records, the next one waits up to this long for
   * more, so batches fill and their per-batch work is shared; a fetch after a quiet spell still
   * returns at the first record. 0 turns it off. Default DEFAULT_FETCH_LINGER_MS.
   */
  fetchLingerMs?: number;
}

export function physicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, logical: string): string {
  return `${settings.topicPrefix}${logical}`;
}

export function logicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, physical: string): string {
  return physical.startsWith(settings.topicPrefix) ? physical.slice(settings.topicPrefix.length) : physical;
}

export function consumerGroupId(settings: Pick<KafkaSettings, 'topicPrefix' | 'service'>): string {
  return `${settings.topicPrefix}omni-${settings.service}`;
}

/**
 * Parses KAFKA_TOPIC_RETENTION_MS: `topic=ms` pairs separated by commas, e.g.
 * `omni.inbound.raw.v1=7776000000,omni.inbound.raw.v1.dlq=-1` (-1 keeps records forever).
 * Throws with the offending entry, so a typo fails start-up instead of silently keeping defaults.
 */
export function parseRetentionOverrides(value: string | undefined, known: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!value?.trim()) return out;
  const names = new Set(known.flatMap((name) => [name, `${name}.dlq`]));
  for (const entry of value.split(',').slice(0, 500)) {
    const match = /^\s*([a-z0-9._-]+)\s*=\s*(-1|\d{1,15})\s*$/.exec(entry);
    if (!match) throw new Error(`"${entry.trim()}" is not topic=milliseconds`);
    if (!names.has(match[1]!)) throw new Error(`"${match[1]}" is not an Omni topic`);
    out[match[1]!] = Number(match[2]);
  }
  return out;
}
