import { createServer } from 'node:net';
import { freePort, freePorts, testEnv, waitFor } from './index';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), { intervalMs: 5 })).resolves.toBe('done after 3');
  });

  it('treats a throwing predicate as "not yet" and quotes its last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('broker not ready');
        },
        { timeoutMs: 50, intervalMs: 10, description: 'the broker' },
      ),
    ).rejects.toThrow(/timed out after 50 ms .*waiting for the broker; last error: broker not ready/);
  });

  it('stays bounded when a single attempt hangs', async () => {
    const started = Date.now();
    await expect(waitFor(() => new Promise<boolean>(() => undefined), { timeoutMs: 60 })).rejects.toThrow(/timed out after 60 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('freePort / freePorts', () => {
  it('returns a port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns distinct ports', async () => {
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
  });
});

describe('testEnv', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('explains what is missing when globalSetup did not run', () => {
    delete process.env.OMNI_TEST_ENV;
    delete process.env.OMNI_TOPIC_PREFIX;
    expect(() => testEnv()).toThrow(/OMNI_TEST_ENV, .*OMNI_TOPIC_PREFIX not set.*global-setup\.ts/);
  });

  it('reads brokers, database and prefix from the environment', () => {
    Object.assign(process.env, {
      OMNI_TEST_ENV: 'external+external-postgres',
      KAFKA_BROKERS: 'a:9092, b:9092',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/omni_test_x',
      OMNI_TOPIC_PREFIX: 'tx.',
    });
    expect(testEnv()).toEqual({
      kafkaBrokers: ['a:9092', 'b:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/omni_test_x',
      topicPrefix: 'tx.',
    });
  });
});
