/**
 * Proves the integration environment is the real thing: a Kafka broker that creates topics and
 * carries a record from a producer to a consumer group, and this run's own PostgreSQL database.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { testEnv, waitFor } from './index';

jest.setTimeout(90_000);

describe('integration test environment', () => {
  const env = testEnv();
  const runId = env.topicPrefix.replace(/^t/, '').replace(/\.$/, '');
  // One Kafka and one database serve every spec of a run (and all jest workers): names a spec
  // creates must be unique within the run, not just prefixed.
  const unique = randomUUID().slice(0, 8);

  it('hands workers a per-run topic prefix and database', () => {
    expect(env.topicPrefix).toMatch(/^t[a-z0-9]+\.$/);
    expect(env.kafkaBrokers.length).toBeGreaterThan(0);
    expect(new URL(env.databaseUrl).pathname).toBe(`/omni_test_${runId}`);
    expect(process.env.OMNI_TEST_ENV).toBeTruthy();
  });

  describe('Kafka', () => {
    const kafka = new Kafka({ clientId: 'omni-env-int-spec', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    let producer: Producer | undefined;
    let consumer: Consumer | undefined;

    afterAll(async () => {
      await consumer?.disconnect();
      await producer?.disconnect();
      await admin.disconnect();
    });

    it('creates a prefixed topic and carries a record from producer to consumer group', async () => {
      const topic = `${env.topicPrefix}env-check-${unique}.v1`;
      await admin.connect();
      await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).resolves.toBe(
        true,
      );
      expect(await admin.listTopics()).toContain(topic);

      // The settings Omni's producers use: idempotent, acks=all.
      producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const value = randomUUID();
      const [ack] = await producer.send({ topic, acks: -1, messages: [{ key: 'conversation-1', value, headers: { ce_id: value } }] });
      expect(ack.errorCode).toBe(0);

      const received: { key?: string; value?: string; header?: string }[] = [];
      consumer = kafka.consumer({ groupId: `${env.topicPrefix}env-check-${unique}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: message.key?.toString(), value: message.value?.toString(), header: message.headers?.ce_id?.toString() });
        },
      });
      await waitFor(() => received.length > 0, { timeoutMs: 60_000, description: `a record on ${topic}` });
      expect(received).toEqual([{ key: 'conversation-1', value, header: value }]);
    });
  });

  describe('PostgreSQL', () => {
    const client = new Client({ connectionString: env.databaseUrl });

    afterAll(async () => {
      await client.end();
    });

    it("answers SELECT 1 in this run's own database", async () => {
      await client.connect();
      const { rows } = await client.query<{ one: number; db: string }>('SELECT 1 AS one, current_database() AS db');
      expect(rows).toEqual([{ one: 1, db: `omni_test_${runId}` }]);
      // Writable: services create their schemas and tables here.
      const schema = `env_check_${unique}`;
      await client.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id int primary key); INSERT INTO ${schema}.t VALUES (1)`);
      const count = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.t`);
      expect(count.rows[0].n).toBe('1');
    });
  });
});
