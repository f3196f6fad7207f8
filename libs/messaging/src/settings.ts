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
  /** How many partitions one instance processes in parallel. */
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
  /** How long an idle fetch waits at the broker before returning empty; default 1 s. */
  fetchMaxWaitMs?: number;
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
