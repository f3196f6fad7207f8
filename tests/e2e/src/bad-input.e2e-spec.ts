import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { dlqTopicName, Topics } from '@omni/contracts';
import { RAW_TOPIC_MAX_MESSAGE_BYTES, WEBHOOK_BODY_LIMIT_BYTES } from '@omni/messaging';
import { testEnv } from '@omni/testing';
import { startMetaStack, type MetaStack } from './meta-helpers';

/**
 * Signed but bad input through gateway-messenger and the normalizer on real Kafka and PostgreSQL
 * (issue "security and bad input", findings 4 and 7): whatever the gateway answers 2xx is read by
 * the normalizer without a retry or a DLQ record; what it cannot take is refused with 4xx, never
 * 500.
 */
const PAGE = '104857600000091';
const item = (psid: string, rest: string) => `{"sender":{"id":"${psid}"},"recipient":{"id":"${PAGE}"},${rest}}`;
const webhook = (...items: string[]) => `{"object":"page","entry":[{"id":"${PAGE}","time":1717171730999,"messaging":[${items.join(',')}]}]}`;

describe('bad input end to end (gateway-messenger + normalizer)', () => {
  let stack: MetaStack;
  let kafka: Kafka;

  beforeAll(async () => {
    stack = await startMetaStack('gateway-messenger');
    kafka = new Kafka({ brokers: testEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  async function endOffset(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(`${stack.omni.prefix}${topic}`);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } catch {
      return 0; // not created: nothing was ever dead-lettered
    } finally {
      await admin.disconnect();
    }
  }

  it('a poisonous batch (1e30 / 1e16 / fractional timestamps, sticker_id {"toString":1}) is 200, and every sibling is normalized, nothing dead-lettered', async () => {
    const body = webhook(
      item('6500000000000001', `"timestamp":1e30,"message":{"mid":"m_PoisonA","text":"poison 1e30"}`),
      item('6500000000000002', `"timestamp":1e16,"message":{"mid":"m_PoisonB","text":"poison 1e16"}`),
      item('6500000000000003', `"timestamp":1717171717512.3,"message":{"mid":"m_PoisonC","text":"poison fraction"}`),
      item('6500000000000004', `"timestamp":1717171730100,"message":{"mid":"m_PoisonD","attachments":[{"type":"image","payload":{"url":"https://x.example/s.png","sticker_id":{"toString":1}}}]}`),
      item('6500000000000005', `"timestamp":1717171730200,"message":{"mid":"m_PoisonE","text":"sibling"}`),
    );
    expect((await stack.post(body)).status).toBe(200);
    for (const mid of ['m_PoisonA', 'm_PoisonB', 'm_PoisonC', 'm_PoisonD', 'm_PoisonE']) {
      await stack.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid, 20_000);
    }
    expect(await endOffset(dlqTopicName(Topics.inboundRaw.name))).toBe(0);
  });

  it('~400 KB of nested arrays, signed, is 400 with the field; nothing reaches Kafka', async () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(200_000)}`;
    const body = webhook(item('6500000000000006', `"timestamp":1717171730100,"optin":${deep}`));
    const response = await stack.post(body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ status: 400, errors: [{ field: 'body' }] });
  });

  it(`a signed body over ${WEBHOOK_BODY_LIMIT_BYTES} bytes is 413 problem+json (was 500 once Kafka refused it); one just under is taken and normalized`, async () => {
    const filler = (bytes: number) => 'x'.repeat(bytes);
    const tooLarge = webhook(item('6500000000000007', `"timestamp":1717171730100,"message":{"mid":"m_Huge","text":"${filler(2 * 1024 * 1024)}"}`));
    const refused = await stack.post(tooLarge);
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toContain('application/problem+json');

    const large = webhook(item('6500000000000008', `"timestamp":1717171730100,"message":{"mid":"m_Large","text":"${filler(WEBHOOK_BODY_LIMIT_BYTES - 1024)}"}`));
    expect((await stack.post(large)).status).toBe(200);
    await stack.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === 'm_Large', 20_000);
    expect(stack.tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).includes('m_Huge'))).toEqual([]);
  });

  it(`the raw topic and its DLQ take ${RAW_TOPIC_MAX_MESSAGE_BYTES} bytes (max.message.bytes set by Omni, not left to the broker default)`, async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const names = [Topics.inboundRaw.name, dlqTopicName(Topics.inboundRaw.name)].map((n) => `${stack.omni.prefix}${n}`);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })) });
      expect(described.resources.map((r) => r.configEntries[0]?.configValue)).toEqual([String(RAW_TOPIC_MAX_MESSAGE_BYTES), String(RAW_TOPIC_MAX_MESSAGE_BYTES)]);
    } finally {
      await admin.disconnect();
    }
  });
});
