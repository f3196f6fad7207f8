/**
 * The eight Omni services: name, default port and the channel secrets each one needs. The start
 * script, docker-compose.yml, the k8s manifests and the compose consistency test all read this.
 */
export interface ServiceEntry {
  name: ServiceName;
  port: number;
  kind: 'gateway' | 'core';
  /** Postgres schema owned by the service (a gateway's holds its send ledger). */
  schema?: string;
  /** Env variables beyond the common ones (PORT, KAFKA_BROKERS, DATABASE_URL, OTEL_*, LOG_LEVEL). */
  env: readonly string[];
}

export type ServiceName =
  | 'gateway-twitter'
  | 'gateway-messenger'
  | 'gateway-whatsapp'
  | 'gateway-sms'
  | 'normalizer'
  | 'router'
  | 'window-policy'
  | 'assignment';

export const COMMON_ENV = ['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;

export const SERVICES: readonly ServiceEntry[] = [
  {
    name: 'gateway-twitter',
    schema: 'gateway_twitter',
    port: 3101,
    kind: 'gateway',
    env: ['TWITTER_CONSUMER_KEY', 'TWITTER_CONSUMER_SECRET', 'TWITTER_ACCESS_TOKEN', 'TWITTER_ACCESS_TOKEN_SECRET', 'TWITTER_API_BASE_URL', 'TWITTER_WELCOME_MESSAGES', 'TWITTER_BUSINESS_USER_ID'],
  },
  {
    name: 'gateway-messenger',
    schema: 'gateway_messenger',
    port: 3102,
    kind: 'gateway',
    env: ['META_APP_SECRET', 'META_VERIFY_TOKEN', 'MESSENGER_PAGE_ACCESS_TOKEN', 'META_GRAPH_API_BASE_URL'],
  },
  {
    name: 'gateway-whatsapp',
    schema: 'gateway_whatsapp',
    port: 3103,
    kind: 'gateway',
    env: ['META_APP_SECRET', 'META_VERIFY_TOKEN', 'WHATSAPP_ACCESS_TOKEN', 'META_GRAPH_API_BASE_URL'],
  },
  {
    name: 'gateway-sms',
    schema: 'gateway_sms',
    port: 3104,
    kind: 'gateway',
    env: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PUBLIC_BASE_URL', 'TWILIO_API_BASE_URL', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_FROM_NUMBER'],
  },
  { name: 'normalizer', port: 3201, kind: 'core', schema: 'normalizer', env: [] },
  { name: 'router', port: 3202, kind: 'core', schema: 'router', env: [] },
  { name: 'window-policy', port: 3203, kind: 'core', schema: 'window_policy', env: [] },
  { name: 'assignment', port: 3204, kind: 'core', schema: 'assignment', env: [] },
];

export function serviceEntry(name: ServiceName): ServiceEntry {
  const entry = SERVICES.find((s) => s.name === name);
  if (!entry) throw new Error(`unknown service ${name}`);
  return entry;
}
