import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { router } from '@omni/router';
import { startService, type RunningService } from '@omni/service-kit';
import { freePort, testEnv, waitFor } from '@omni/testing';

/**
 * A service started while Kafka is unreachable stays up (live, not ready) and keeps retrying; once
 * the broker answers it joins its group and reports ready. The "broker" it is given is a port
 * that refuses connections until the test opens a TCP relay to the real broker (kafkajs only
 * bootstraps through it; metadata then points at the real broker's advertised address).
 */
describe('start-up while Kafka is unreachable', () => {
  let service: RunningService<never> | undefined;
  let relay: Server | undefined;
  const sockets = new Set<Socket>();
  const database = `omni_outage_${randomUUID().slice(0, 8)}`;
  const adminUrl = new URL(testEnv().databaseUrl);

  afterAll(async () => {
    await service?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
    const pg = new Client({ connectionString: adminUrl.toString() });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await pg.end();
  }, 60_000);

  it('stays up and not ready while the broker is away, then becomes ready without a restart', async () => {
    const port = await freePort();
    const [realHost, realPort] = testEnv().kafkaBrokers[0]!.split(':');
    const databaseUrl = new URL(adminUrl.toString());
    databaseUrl.pathname = `/${database}`;
    service = (await startService(router, {
      env: {
        ...process.env,
        KAFKA_BROKERS: `127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl.toString(),
        OMNI_TOPIC_PREFIX: `${testEnv().topicPrefix}outage${randomUUID().slice(0, 6)}.`,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        KAFKA_TOPIC_PARTITIONS: '1',
      },
    })) as RunningService<never>;

    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    const notReady = await fetch(`${service.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { checks: Record<string, { status: string }> }).checks.kafka?.status).toBe('down');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // several failed attempts
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(503);

    // The broker "comes back".
    relay = createServer((client) => {
      const upstream = connect(Number(realPort), realHost);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay!.listen(port, '127.0.0.1', resolve));
    await waitFor(async () => (await fetch(`${service!.url}/health/ready`)).status === 200, {
      description: 'ready once Kafka answers',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  }, 120_000);
});
