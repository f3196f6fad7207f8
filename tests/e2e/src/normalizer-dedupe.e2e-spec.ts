import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { hmacHex } from '@omni/channel-sdk';
import { Topics } from '@omni/contracts';
import { normalizer } from '@omni/normalizer';
import { startService, type RunningService } from '@omni/service-kit';
import { KafkaTap, testEnv, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const root = join(__dirname, '../../..');
const FIXTURE = join(root, 'services/normalizer/src/testing/crash-normalizer.fixture.ts');

/** The real normalizer in a child process that SIGKILLs itself after its first committed transaction. */
function crashingNormalizer(prefix: string): Promise<{ signal: string | number | null; lines: string[] }> {
  const env = testEnv();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', FIXTURE], {
    cwd: root,
    env: { ...process.env, MODE: 'crash', KAFKA_BROKERS: env.kafkaBrokers.join(','), DATABASE_URL: env.databaseUrl, OMNI_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ signal: signal ?? code, lines })));
}

describe('normalizer e2e: provider retries and a crash between DB commit and offset commit', () => {
  let omni: Omni;
  let tap: KafkaTap;
  let restarted: RunningService<never> | undefined;
  let pg: Client;

  beforeAll(async () => {
    omni = await startOmni(['gateway-whatsapp']);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.inboundRaw, Topics.messageNormalized]).start();
    pg = new Client({ connectionString: testEnv().databaseUrl });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await restarted?.close();
    await tap?.stop();
    await omni?.stop();
    await pg?.end();
  }, 60_000);

  it('turns the same webhook delivered 3 times, with the normalizer killed mid-way, into exactly one message row and one normalized event', async () => {
    const waId = `336${String(Date.now()).slice(-8)}`;
    const wamid = `wamid.crash.${randomUUID()}`;
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                contacts: [{ profile: { name: 'Ana' }, wa_id: waId }],
                messages: [{ from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000) - 5), type: 'text', text: { body: 'Where is my order?' } }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${hmacHex('sha256', TEST_SECRETS.META_APP_SECRET, Buffer.from(body))}`;
    // Meta retries: the same webhook, three deliveries, three raw records.
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${omni.url('gateway-whatsapp')}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
      expect(response.status).toBe(200);
    }
    await waitFor(() => tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).toString() === body).length === 3, { description: '3 raw records' });
    const rawIds = tap.all(Topics.inboundRaw).map((r) => r.value.id);
    expect(new Set(rawIds).size).toBe(3);

    // The normalizer applies its first batch (one transaction), commits it, and dies before the offset commit.
    const crash = await crashingNormalizer(omni.prefix);
    expect(crash.signal).toBe('SIGKILL');
    const applied = crash.lines.find((l) => l.startsWith('applied '));
    expect(rawIds).toContain(applied?.slice('applied '.length));
    const rows = async () => (await pg.query('SELECT id, conversation_id FROM normalizer.messages WHERE provider_message_id = $1', [wamid])).rows as Array<{ id: string; conversation_id: string }>;
    expect(await rows()).toHaveLength(1);
    const admin = new Kafka({ brokers: testEnv().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `${omni.prefix}${Topics.inboundRaw.name}`;
    const groupId = `${omni.prefix}omni-normalizer`;
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions;
    expect((await committed()).every((p) => p.offset === '-1')).toBe(true); // died before committing anything

    // Restarted, it gets the batch again (inbox: already applied) and any retry it had not reached (same wamid).
    restarted = (await startService(normalizer, {
      env: { ...process.env, KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), DATABASE_URL: testEnv().databaseUrl, OMNI_TOPIC_PREFIX: omni.prefix, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', KAFKA_TOPIC_PARTITIONS: '2' },
      waitForReadyMs: 90_000,
    })) as RunningService<never>;
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(async () => {
        const offsets = await committed();
        return ends.every((end) => end.high === '0' || offsets.find((p) => p.partition === end.partition)?.offset === end.high);
      }, { description: 'restarted normalizer committed every raw record', timeoutMs: 90_000, intervalMs: 250 });
      const normalized = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid);
      await waitFor(async () => (await pg.query('SELECT 1 FROM normalizer.outbox WHERE published_at IS NULL AND record_key = $1', [normalized.key])).rowCount === 0, { description: 'outbox relayed' });
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // let any stray duplicate arrive
      expect(tap.all(Topics.messageNormalized).filter((r) => r.value.providerMessageId === wamid)).toHaveLength(1);
      expect(await rows()).toEqual([{ id: normalized.value.id, conversation_id: normalized.value.conversationId }]);
      const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
      // Every record the crashed batch applied comes back as "redelivered" (inbox); any it had not
      // reached is a "duplicate" of the same wamid. Either way: three records, one message.
      const count = (outcome: string) => Number(new RegExp(`omni_normalizer_events_total\\{[^}]*channel="whatsapp"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      expect(count('redelivered')).toBe(crash.lines.filter((l) => l.startsWith('applied ')).length);
      expect(count('redelivered') + count('duplicate')).toBe(3);
    } finally {
      await admin.disconnect();
    }
  }, 180_000);
});
