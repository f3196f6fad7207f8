import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfigResourceTypes } from 'kafkajs';
import { LOG_RETENTION_MS, DEFAULT_RETENTION_MS, Topics } from '@omni/contracts';
import { createLogger } from '@omni/observability';
import { KafkaConnection, physicalTopic, type KafkaSettings } from './index';

const quietLogger = createLogger({ service: 'retention-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('retention set by Omni at topic creation (real broker)', () => {
  it('gives raw and normalized the log retention, events the default, and applies overrides', async () => {
    const settings: KafkaSettings = {
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      service: 'retention',
      topicPrefix: `${process.env.OMNI_TOPIC_PREFIX ?? ''}ret-${randomUUID().slice(0, 8)}.`,
      partitions: 1,
      retentionOverrides: { 'omni.conversation.assigned.v1.dlq': 3_600_000 },
    };
    const connection = new KafkaConnection(settings, quietLogger);
    try {
      await connection.ensureTopics([Topics.inboundRaw, Topics.messageNormalized, Topics.conversationAssigned]);
      const admin = await connection.admin();
      const names = ['omni.inbound.raw.v1', 'omni.message.normalized.v1', 'omni.conversation.assigned.v1', 'omni.conversation.assigned.v1.dlq'];
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name: physicalTopic(settings, name), configNames: ['retention.ms'] })),
      });
      const retention = Object.fromEntries(
        described.resources.map((r) => [r.resourceName.slice(settings.topicPrefix.length), Number(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue)]),
      );
      expect(retention).toEqual({
        'omni.inbound.raw.v1': LOG_RETENTION_MS,
        'omni.message.normalized.v1': LOG_RETENTION_MS,
        'omni.conversation.assigned.v1': DEFAULT_RETENTION_MS,
        'omni.conversation.assigned.v1.dlq': 3_600_000,
      });
    } finally {
      await connection.close();
    }
  }, 60_000);
});
