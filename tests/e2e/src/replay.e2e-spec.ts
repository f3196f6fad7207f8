import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { Channel, create, RawInboundSchema, timestampFromDate, Topics } from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { KafkaTap, testEnv, waitFor } from '@omni/testing';
import { startOmni, type Omni } from './harness';

/**
 * The documented replay (docs/operations.md) on real Kafka and PostgreSQL: a consumer-group reset
 * re-delivers records the normalizer's inbox absorbs, so rows lost since (a restore, a bug) never
 * come back; `npm run replay` re-publishes the range under a replay id that bypasses the inbox
 * deliberately, is applied once however often it is run, and leaves records before --from alone.
 */
const PAGE = '104857600000077';
const quiet = createLogger({ service: 'replay-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const root = join(__dirname, '../../..');

function messengerBody(mid: string, psid: string): Buffer {
  return Buffer.from(`{"object":"page","entry":[{"id":"${PAGE}","time":1717171730999,"messaging":[{"sender":{"id":"${psid}"},"recipient":{"id":"${PAGE}"},"timestamp":1717171730100,"message":{"mid":"${mid}","text":"replay ${mid}"}}]}]}`);
}

describe('replay (npm run replay) through the normalizer', () => {
  let omni: Omni;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  const ceIds = new Map<string, string>();

  beforeAll(async () => {
    omni = await startOmni(['normalizer']);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.messageNormalized]).start();
    connection = new KafkaConnection({ brokers: testEnv().kafkaBrokers, service: 'replay-test', topicPrefix: omni.prefix }, quiet);
    publisher = new EventPublisher(connection);
  }, 120_000);

  afterAll(async () => {
    await tap?.stop();
    await connection?.close();
    await omni?.stop();
  }, 60_000);

  /** Publishes the raw record of a Messenger webhook (as the gateway does), with a given CloudEvents id. */
  async function publishRaw(mid: string, ceId = ceIds.get(mid) ?? randomUUID()): Promise<void> {
    ceIds.set(mid, ceId);
    const psid = `65${mid.replace(/\D/g, '').padStart(14, '0')}`;
    const raw = create(RawInboundSchema, {
      id: randomUUID(), channel: Channel.MESSENGER, receivedAt: timestampFromDate(new Date()), body: messengerBody(mid, psid),
      contentType: 'application/json', webhookPath: '/webhooks/messenger', accountId: PAGE, threadKey: psid,
    });
    await publisher.publish(Topics.inboundRaw, `messenger:${PAGE}:${psid}`, raw, { id: ceId });
  }

  const normalizedCount = (mid: string) => tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === mid).length;
  const waitNormalized = (mid: string, count = 1) =>
    waitFor(() => normalizedCount(mid) >= count, { timeoutMs: 30_000, description: `${count} normalized message(s) ${mid}` });

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: omni.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  function replay(args: string[]): { replayId: string; replayed: number } {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'tools/replay/cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), OMNI_TOPIC_PREFIX: omni.prefix },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(run.stdout.trim().split('\n').pop()!);
  }

  /** A record published now and waited for: everything published before it has been applied. */
  async function barrier(): Promise<void> {
    const mid = `m_Barrier${randomUUID().slice(0, 8)}`;
    await publishRaw(mid);
    await waitNormalized(mid);
  }

  it('restores rows a group reset cannot, once per replay id, only from --from on', async () => {
    await publishRaw('m_Replay0');
    await waitNormalized('m_Replay0');
    await new Promise((r) => setTimeout(r, 1_100));
    const from = new Date();
    await publishRaw('m_Replay1');
    await publishRaw('m_Replay2');
    await waitNormalized('m_Replay1');
    await waitNormalized('m_Replay2');

    // Rows lost after the fact (a restore from an older backup, an operator's mistake).
    await sql(`DELETE FROM normalizer.messages WHERE provider_message_id = ANY($1)`, [['m_Replay1', 'm_Replay2']]);

    // What a consumer-group reset does: the same records again, same ids → the inbox absorbs them.
    await publishRaw('m_Replay1', ceIds.get('m_Replay1'));
    await barrier();
    expect(normalizedCount('m_Replay1')).toBe(1);
    expect(await sql(`SELECT 1 FROM normalizer.messages WHERE provider_message_id = 'm_Replay1'`)).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 1_100));
    const to = new Date();
    const first = replay(['--service', 'normalizer', '--from', from.toISOString(), '--to', to.toISOString()]);
    expect(first.replayed).toBeGreaterThanOrEqual(3); // m_Replay1, m_Replay2, the reset copy of m_Replay1, the barrier
    await waitNormalized('m_Replay1', 2);
    await waitNormalized('m_Replay2', 2);
    expect((await sql<{ provider_message_id: string }>(`SELECT provider_message_id FROM normalizer.messages WHERE provider_message_id = ANY($1) ORDER BY 1`, [['m_Replay1', 'm_Replay2']])).map((r) => r.provider_message_id)).toEqual(['m_Replay1', 'm_Replay2']);

    // The same replay again: same replay id, same derived ids → nothing applied twice.
    const second = replay(['--service', 'normalizer', '--from', from.toISOString(), '--to', to.toISOString()]);
    expect(second.replayId).toBe(first.replayId);
    await barrier();
    expect({ m1: normalizedCount('m_Replay1'), m2: normalizedCount('m_Replay2'), m0: normalizedCount('m_Replay0') }).toEqual({ m1: 2, m2: 2, m0: 1 });
  }, 180_000);

  it('refuses bad arguments, naming them', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'tools/replay/cli.ts'), '--service', 'normalizer', '--from', 'yesterday'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--from must be an ISO 8601 time');
  }, 60_000);
});
