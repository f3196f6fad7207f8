import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startService, testSecrets, type RunningService, type ServiceDefinition, type ServiceName } from '@omni/service-kit';
import { serviceTestEnv, testEnv } from '@omni/testing';
import { DEFINITIONS } from './services.generated';

/**
 * Channel secrets the e2e gateways run with (the fake providers and signed webhooks use them too):
 * the catalog's test values (libs/service-kit/src/catalog.ts), so a new channel needs no line here.
 */
export const TEST_SECRETS = testSecrets();

export interface Omni {
  prefix: string;
  /** This instance's own database (services keep their schemas and outboxes there). */
  databaseUrl: string;
  services: Partial<Record<ServiceName, RunningService<never>>>;
  /** The environment the services run with (to start another replica of one). */
  env: NodeJS.ProcessEnv;
  url(name: ServiceName): string;
  stop(): Promise<void>;
}

/**
 * Starts Omni services in this process (a test may swap a service's definition, e.g. window-policy
 * on a ManualClock) against the run's real Kafka and PostgreSQL, each on a
 * free port, with a topic prefix and a database of their own: two harnesses never share an outbox
 * (a relay would publish the other's rows under its own prefix) or a consumer group.
 */
export async function startOmni(
  names: ServiceName[] = Object.keys(DEFINITIONS) as ServiceName[],
  extraEnv: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: { definitions?: Partial<Record<ServiceName, ServiceDefinition<any>>> } = {},
): Promise<Omni> {
  const env = testEnv();
  const suffix = randomUUID().slice(0, 6);
  const prefix = `${env.topicPrefix}${suffix}.`;
  const databaseUrl = withDatabase(env.databaseUrl, `_h${suffix}`);
  const common = serviceTestEnv({ prefix, databaseUrl }, { ...TEST_SECRETS, ...extraEnv });
  const services: Omni['services'] = {};
  const started = await Promise.allSettled(names.map(async (name) => [name, await startService(options.definitions?.[name] ?? DEFINITIONS[name], { env: common, waitForReadyMs: 90_000 })] as const));
  for (const result of started) if (result.status === 'fulfilled') services[result.value[0]] = result.value[1] as RunningService<never>;
  const stop = async () => {
    await Promise.allSettled(Object.values(services).map((s) => s!.close()));
    await dropDatabase(databaseUrl);
  };
  const failed = started.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    prefix,
    databaseUrl,
    services,
    env: common,
    url: (name) => {
      const service = services[name];
      if (!service) throw new Error(`${name} is not running`);
      return service.url;
    },
    stop,
  };
}

function withDatabase(url: string, suffix: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/$/, '')}${suffix}`;
  return parsed.toString();
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
