import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { assignment } from '@omni/assignment';
import { gatewayMessenger } from '@omni/gateway-messenger';
import { gatewaySms } from '@omni/gateway-sms';
import { gatewayTwitter } from '@omni/gateway-twitter';
import { gatewayWhatsApp } from '@omni/gateway-whatsapp';
import { normalizer } from '@omni/normalizer';
import { router } from '@omni/router';
import { startService, type RunningService, type ServiceDefinition, type ServiceName } from '@omni/service-kit';
import { serviceTestEnv, testEnv } from '@omni/testing';
import { windowPolicy } from '@omni/window-policy';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const DEFINITIONS: Record<ServiceName, ServiceDefinition<any>> = {
  'gateway-messenger': gatewayMessenger,
  'gateway-whatsapp': gatewayWhatsApp,
  'gateway-twitter': gatewayTwitter,
  'gateway-sms': gatewaySms,
  normalizer,
  router,
  'window-policy': windowPolicy,
  assignment,
};

/** Channel secrets the e2e gateways run with (the fake providers and signed webhooks use them too). */
export const TEST_SECRETS = {
  META_APP_SECRET: 'e2e-meta-app-secret',
  META_VERIFY_TOKEN: 'e2e-verify-token',
  MESSENGER_PAGE_ACCESS_TOKEN: 'e2e-page-token',
  WHATSAPP_ACCESS_TOKEN: 'e2e-wa-token',
  TWITTER_CONSUMER_KEY: 'e2e-consumer-key',
  TWITTER_CONSUMER_SECRET: 'e2e-consumer-secret',
  TWITTER_ACCESS_TOKEN: 'e2e-access-token',
  TWITTER_ACCESS_TOKEN_SECRET: 'e2e-access-token-secret',
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'e2e-twilio-token',
  TWILIO_PUBLIC_BASE_URL: 'https://omni.example.test',
};

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
