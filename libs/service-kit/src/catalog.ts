/**
 * The Omni services and their settings: the one source of truth for the wiring. From it,
 * `npm run wiring` (tools/wiring) generates docker-compose.yml, the k8s manifests and kustomize
 * entries, the normalizer's parser list and the e2e harness's service list; `npm start` reads it
 * for its service list and development secrets; tests/deploy/wiring.spec.ts fails when a generated
 * file is stale. Adding a channel is one entry in SERVICES (plus its settings in ENV).
 *
 * No imports: tools read this file outside the workspace build.
 */

/** One environment variable a service reads beyond the common ones. */
export interface EnvSpec {
  /**
   * Secret: the k8s Secret holding it (`omni-<group>`, key = the variable name); compose and
   * `npm start` take it from the caller's environment. Absent: a plain setting.
   */
  secret?: string;
  /** The service refuses to start without it. */
  required?: boolean;
  /** The value when unset (provider API base URLs, a service's own settings). */
  default?: string;
  /** Development placeholder for a required value: `npm start`, compose fallback, k8s dev overlay. */
  dev?: string;
  /** The e2e harness's value; by default `dev` with its `dev-` prefix turned into `e2e-`. */
  test?: string;
  /**
   * Not secret but different per deployment (public URLs): k8s reads it from the `omni-channels`
   * ConfigMap, whose value each overlay sets (none: unset unless the operator adds it).
   */
  perEnvironment?: { base?: string; dev?: string; prod?: string };
  /** Every service reads it (e.g. an auth secret), not just the ones that list it. */
  shared?: boolean;
  /** One line for the generated files. */
  note?: string;
}

/** Settings by name; services list the names they read. A `shared` one goes to every service. */
export const ENV = {
  TWITTER_CONSUMER_KEY: { secret: 'omni-twitter', required: true, dev: 'dev-consumer-key' },
  TWITTER_CONSUMER_SECRET: { secret: 'omni-twitter', required: true, dev: 'dev-consumer-secret', note: 'signs webhooks and answers the CRC challenge' },
  TWITTER_ACCESS_TOKEN: { secret: 'omni-twitter', required: true, dev: 'dev-access-token' },
  TWITTER_ACCESS_TOKEN_SECRET: { secret: 'omni-twitter', required: true, dev: 'dev-access-token-secret' },
  TWITTER_API_BASE_URL: { default: 'https://api.x.com' },
  TWITTER_WELCOME_MESSAGES: { secret: 'omni-twitter', note: 'optional: welcome messages per entry point (JSON)' },
  TWITTER_BUSINESS_USER_ID: { secret: 'omni-twitter', note: 'optional: the business X user id for deep links' },
  META_APP_SECRET: { secret: 'omni-meta', required: true, dev: 'dev-meta-app-secret', note: 'verifies X-Hub-Signature-256 (Messenger and WhatsApp are one Meta app)' },
  META_VERIFY_TOKEN: { secret: 'omni-meta', required: true, dev: 'dev-verify-token' },
  META_GRAPH_API_BASE_URL: { default: 'https://graph.facebook.com' },
  MESSENGER_PAGE_ACCESS_TOKEN: { secret: 'omni-meta', required: true, dev: 'dev-page-access-token' },
  WHATSAPP_ACCESS_TOKEN: { secret: 'omni-meta', required: true, dev: 'dev-whatsapp-access-token' },
  TWILIO_ACCOUNT_SID: {
    secret: 'omni-twilio',
    required: true,
    dev: 'AC00000000000000000000000000000000',
    test: `AC${'0123456789abcdef'.repeat(2)}`,
    note: 'a well-formed placeholder: the gateway checks the AC + 32 hex shape',
  },
  TWILIO_AUTH_TOKEN: { secret: 'omni-twilio', required: true, dev: 'dev-twilio-auth-token' },
  TWILIO_PUBLIC_BASE_URL: {
    required: true,
    dev: 'http://127.0.0.1:3104',
    test: 'https://omni.example.test',
    perEnvironment: { base: 'https://omni.example.com', dev: 'http://localhost:3104', prod: 'https://omni.example.com' },
    note: 'the public URL Twilio calls and signs',
  },
  TWILIO_API_BASE_URL: { default: 'https://api.twilio.com' },
  TWILIO_MESSAGING_SERVICE_SID: { secret: 'omni-twilio', note: 'optional: send through a Messaging Service' },
  TWILIO_FROM_NUMBER: { secret: 'omni-twilio', note: 'optional: default sender' },
  TWILIO_WEBHOOK_SHARED_KEY_SECRET: { secret: 'omni-twilio', note: 'optional: SharedKey secret when a Webhooks Rule signs with HMAC-SHA256' },
  TELEGRAM_BOT_TOKEN: {
    secret: 'omni-telegram',
    required: true,
    dev: '1000000001:dev-telegram-bot-token-placeholder',
    test: '7000000001:e2e-telegram-bot-token-placeholder',
    note: 'from @BotFather; the bot id before the colon is the account',
  },
  TELEGRAM_WEBHOOK_SECRET: { secret: 'omni-telegram', required: true, dev: 'dev-telegram-webhook-secret', note: 'sent back in X-Telegram-Bot-Api-Secret-Token' },
  TELEGRAM_API_BASE_URL: { default: 'https://api.telegram.org' },
  TELEGRAM_PUBLIC_BASE_URL: { perEnvironment: {}, note: 'optional: when set, setWebhook at start-up' },
  // The router (services/router/src/config.ts). The document file is a path inside the container:
  // mount the YAML there (compose override volume, k8s ConfigMap volume; docs/routing.md) and set it.
  ROUTER_DOCUMENT_FILE: { note: 'optional: path of a mounted routing document (YAML) activated at start-up (docs/routing.md)' },
  ROUTER_DEFAULT_QUEUE: { default: 'default', note: "the built-in routing document's queue (no document file, none activated)" },
  ROUTER_VIP_TIERS: { default: 'vip', note: 'comma-separated CRM tiers the built-in routing document gives priority 10' },
  // The core services' own settings (each service's src/config.ts; its config.spec.ts fails when
  // one is missing here or its default differs). Compose and k8s set these defaults explicitly.
  // Normalizer:
  CONVERSATION_REOPEN_WINDOW_MS: { default: '86400000', note: 'a message at most this long (ms) after resolution reopens the conversation' },
  PHONE_DEFAULT_COUNTRY: { note: 'optional: ISO 3166 country (e.g. FR) of SMS numbers a provider gives the national way' },
  // Window-policy (docs/window-policy.md):
  WINDOW_POLICY_TEMPLATES: { default: '[]', note: 'the WhatsApp template registry (JSON), the only sends approved outside the 24 h window' },
  WINDOW_POLICY_QUIET_HOURS: { default: '21:00-08:00', note: 'recipient-local hours (HH:MM-HH:MM) during which marketing SMS is deferred' },
  WINDOW_POLICY_DEFAULT_TIMEZONE: { default: 'America/New_York', note: "IANA zone for quiet hours when neither the recipient, the CRM nor the number's country gives one" },
  WINDOW_POLICY_COUNTRY_TIMEZONES: { default: '', note: 'extra or replacement zones per country, e.g. US=America/New_York|America/Chicago,FR=Europe/Paris' },
  WINDOW_POLICY_SMS_HELP_TEXT: { default: 'Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply.', note: 'the answer to an SMS HELP / INFO keyword' },
  WINDOW_POLICY_SMS_ADVANCED_OPT_OUT: { default: 'false', note: 'true when Twilio Advanced Opt-Out answers HELP on the Messaging Service (Omni stays silent)' },
  WINDOW_POLICY_EXPIRING_LEAD_MINUTES: { default: '60', note: 'minutes before a window closes that omni.window.expiring.v1 goes out (1-1440)' },
  WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS: { default: '168', note: 'the window a Click-to-Messenger ad referral opens (24-168 h)' },
  WINDOW_POLICY_TIMER_POLL_MS: { default: '1000', note: 'shortest gap between two looks for due timers (window expiring, deferred releases); between them a replica sleeps until the next timer is due (30 s at most) or its own writes wake it' },
  // Assignment (docs/assignment.md):
  ASSIGNMENT_SWEEP_MS: { default: '1000', note: 'shortest gap between two sweeps (offer expiry, heartbeat misses, requeues, SLA, matching; 50-60000); between them a replica sleeps until the next of these is due (30 s at most) or its own writes wake it' },
  ASSIGNMENT_HEARTBEAT_TIMEOUT_MS: { default: '60000', note: 'an agent without a heartbeat this long is set offline; 0 = presence is not heartbeat-driven' },
  ASSIGNMENT_REQUEUE_GRACE_MS: { default: '120000', note: 'an agent offline this long has their open conversations requeued' },
  ASSIGNMENT_DEFAULT_STRATEGY: { default: 'least-busy', note: 'strategy of queues not configured through PUT /queues/:name (least-busy, longest-idle, round-robin)' },
  ASSIGNMENT_CHANNEL_WEIGHTS: { default: '', note: 'capacity units a conversation takes per channel, e.g. sms=1,whatsapp=2 (unlisted: 1)' },
  ASSIGNMENT_VIP_WEIGHT: { default: '1', note: "multiplier of a VIP conversation's weight (router priority >= 10; 1-10)" },
  ASSIGNMENT_FIRST_RESPONSE_SECONDS: { default: '300', note: 'default first-response target of a queue in seconds (0 = none)' },
  ASSIGNMENT_NEXT_RESPONSE_SECONDS: { default: '600', note: 'default next-response target of a queue in seconds (0 = none)' },
  ASSIGNMENT_SLA_WARNING_RATIO: { default: '0.8', note: 'fraction of an SLA target after which a warning goes out (0 = no warnings)' },
  // Crm-webhooks (docs/crm-integration.md):
  WEBHOOK_RETRY_BASE_MS: { default: '5000', note: 'first retry delay of a failed delivery (doubles, with jitter)' },
  WEBHOOK_RETRY_MAX_DELAY_MS: { default: '7200000', note: 'ceiling of one retry delay' },
  WEBHOOK_RETRY_WINDOW_MS: { default: '86400000', note: 'how long a failing delivery is retried before it is dead-lettered (24 h-30 d)' },
  WEBHOOK_TIMEOUT_MS: { default: '10000', note: 'per-attempt HTTP timeout' },
  GATEWAY_RETRY_BASE_MS: { note: 'first backoff delay (ms, 1-60000) between attempts of a provider request refused with a retryable error (doubling, capped at 30 s; a longer retry-after wins); unset: 500' },
  WEBHOOK_POLL_MS: { default: '500', note: 'shortest gap between two dispatcher polls; between them it sleeps until the next delivery is due (30 s at most) or new events wake it' },
  WEBHOOK_ORDER_SETTLE_MS: { default: '1000', note: 'how long a delivery waits after its event arrived, so an earlier event of the conversation goes first' },
  WEBHOOK_MAX_IN_FLIGHT: { default: '32', note: 'deliveries in flight at once per instance (1-256)' },
  WEBHOOK_EVENT_RETENTION_DAYS: { default: '30', note: 'days events stay replayable (1-400)' },
  WEBHOOK_ALLOW_HTTP: { default: 'false', note: 'accept http:// subscription URLs (development only; production requires https)' },
  // Verifies API bearer tokens; tests sign theirs with the same development value (@omni/testing).
  // Assignment reads conversation history from the normalizer's API (the service's own default is
  // 127.0.0.1:3201 for `npm start`; compose and k8s reach it by its service name).
  NORMALIZER_URL: { default: 'http://normalizer:3201', note: "the normalizer's API (conversation history for agents)" },
  AUTH_JWT_SECRET: { secret: 'omni-auth', required: true, dev: 'omni-dev-jwt-secret', test: 'omni-dev-jwt-secret', shared: true, note: 'HS256 secret of API bearer tokens (or set AUTH_JWKS_URL)' },
} as const satisfies Record<string, EnvSpec>;

export type EnvName = keyof typeof ENV;

export interface ServiceEntry {
  name: string;
  port: number;
  kind: 'gateway' | 'core';
  /** Postgres schema owned by the service (a gateway's holds its send ledger). */
  schema?: string;
  /** Env variables beyond the common ones (PORT, KAFKA_BROKERS, DATABASE_URL, OTEL_*, LOG_LEVEL) and shared ones. */
  env: readonly EnvName[];
  /** The ServiceDefinition its package (`@omni/<name>`) exports. */
  definition: string;
  /** Gateways: the channel slug, the library `@omni/channel-<channel>` and its exported parser. */
  channel?: { slug: string; parser: string };
  /**
   * Kafka consumers scaled by KEDA on their consumer group's lag (prod overlay): replicas between
   * min and max (max ≤ partitions: more would idle), one more per `lagThreshold` records behind.
   */
  autoscale?: { minReplicas: number; maxReplicas: number; lagThreshold: number };
}

export const SERVICES = [
  {
    name: 'gateway-twitter',
    schema: 'gateway_twitter',
    port: 3101,
    kind: 'gateway',
    env: ['TWITTER_CONSUMER_KEY', 'TWITTER_CONSUMER_SECRET', 'TWITTER_ACCESS_TOKEN', 'TWITTER_ACCESS_TOKEN_SECRET', 'TWITTER_API_BASE_URL', 'TWITTER_WELCOME_MESSAGES', 'TWITTER_BUSINESS_USER_ID', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gatewayTwitter',
    channel: { slug: 'twitter', parser: 'twitterParser' },
  },
  {
    name: 'gateway-messenger',
    schema: 'gateway_messenger',
    port: 3102,
    kind: 'gateway',
    env: ['META_APP_SECRET', 'META_VERIFY_TOKEN', 'MESSENGER_PAGE_ACCESS_TOKEN', 'META_GRAPH_API_BASE_URL', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gatewayMessenger',
    channel: { slug: 'messenger', parser: 'messengerParser' },
  },
  {
    name: 'gateway-whatsapp',
    schema: 'gateway_whatsapp',
    port: 3103,
    kind: 'gateway',
    env: ['META_APP_SECRET', 'META_VERIFY_TOKEN', 'WHATSAPP_ACCESS_TOKEN', 'META_GRAPH_API_BASE_URL', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gatewayWhatsApp',
    channel: { slug: 'whatsapp', parser: 'whatsappParser' },
  },
  {
    name: 'gateway-sms',
    schema: 'gateway_sms',
    port: 3104,
    kind: 'gateway',
    env: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PUBLIC_BASE_URL', 'TWILIO_API_BASE_URL', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_FROM_NUMBER', 'TWILIO_WEBHOOK_SHARED_KEY_SECRET', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gatewaySms',
    channel: { slug: 'sms', parser: 'smsParser' },
  },
  {
    name: 'gateway-telegram',
    schema: 'gateway_telegram',
    port: 3105,
    kind: 'gateway',
    env: ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_API_BASE_URL', 'TELEGRAM_PUBLIC_BASE_URL', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gatewayTelegram',
    channel: { slug: 'telegram', parser: 'telegramParser' },
  },
  { name: 'normalizer', port: 3201, kind: 'core', schema: 'normalizer', env: ['CONVERSATION_REOPEN_WINDOW_MS', 'PHONE_DEFAULT_COUNTRY'], definition: 'normalizer', autoscale: { minReplicas: 2, maxReplicas: 6, lagThreshold: 500 } },
  { name: 'router', port: 3202, kind: 'core', schema: 'router', env: ['ROUTER_DOCUMENT_FILE', 'ROUTER_DEFAULT_QUEUE', 'ROUTER_VIP_TIERS'], definition: 'router', autoscale: { minReplicas: 2, maxReplicas: 6, lagThreshold: 500 } },
  {
    name: 'window-policy',
    port: 3203,
    kind: 'core',
    schema: 'window_policy',
    env: [
      'WINDOW_POLICY_TEMPLATES',
      'WINDOW_POLICY_QUIET_HOURS',
      'WINDOW_POLICY_DEFAULT_TIMEZONE',
      'WINDOW_POLICY_COUNTRY_TIMEZONES',
      'WINDOW_POLICY_SMS_HELP_TEXT',
      'WINDOW_POLICY_SMS_ADVANCED_OPT_OUT',
      'WINDOW_POLICY_EXPIRING_LEAD_MINUTES',
      'WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS',
      'WINDOW_POLICY_TIMER_POLL_MS',
    ],
    definition: 'windowPolicy',
    autoscale: { minReplicas: 2, maxReplicas: 6, lagThreshold: 500 },
  },
  {
    name: 'assignment',
    port: 3204,
    kind: 'core',
    schema: 'assignment',
    env: [
      'ASSIGNMENT_SWEEP_MS',
      'ASSIGNMENT_HEARTBEAT_TIMEOUT_MS',
      'ASSIGNMENT_REQUEUE_GRACE_MS',
      'ASSIGNMENT_DEFAULT_STRATEGY',
      'ASSIGNMENT_CHANNEL_WEIGHTS',
      'ASSIGNMENT_VIP_WEIGHT',
      'ASSIGNMENT_FIRST_RESPONSE_SECONDS',
      'ASSIGNMENT_NEXT_RESPONSE_SECONDS',
      'ASSIGNMENT_SLA_WARNING_RATIO',
      'NORMALIZER_URL',
    ],
    definition: 'assignment',
    autoscale: { minReplicas: 2, maxReplicas: 6, lagThreshold: 200 },
  },
  {
    name: 'crm-webhooks',
    port: 3205,
    kind: 'core',
    schema: 'crm_webhooks',
    env: [
      'WEBHOOK_RETRY_BASE_MS',
      'WEBHOOK_RETRY_MAX_DELAY_MS',
      'WEBHOOK_RETRY_WINDOW_MS',
      'WEBHOOK_TIMEOUT_MS',
      'WEBHOOK_POLL_MS',
      'WEBHOOK_ORDER_SETTLE_MS',
      'WEBHOOK_MAX_IN_FLIGHT',
      'WEBHOOK_EVENT_RETENTION_DAYS',
      'WEBHOOK_ALLOW_HTTP',
    ],
    definition: 'crmWebhooks',
  },
] as const satisfies readonly ServiceEntry[];

export type ServiceName = (typeof SERVICES)[number]['name'];

/**
 * Partitions per topic when one instance of each service runs on one machine (`npm start`,
 * docker-compose, the pipeline bench): the topics Omni creates there get this many unless
 * KAFKA_TOPIC_PARTITIONS says otherwise. A consumer commits one transaction and one offset per
 * partition batch, so on a small box the registry's 6 (sized for scaling out to 6 replicas)
 * split the same records into ~6× more transactions, commits and produce requests: measured on
 * 2 cores, 1 partition kept up with 50 webhooks/s where 6 saturated at 25/s (docs/benchmarks.md).
 * Scaling out later needs more partitions: set it before the topics are first created.
 */
export const SINGLE_NODE_TOPIC_PARTITIONS = 1;

/** What every service gets in the generated compose file besides its own settings. */
export const COMMON_ENV = ['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'KAFKA_TOPIC_PARTITIONS'] as const;

export function serviceEntry(name: ServiceName): ServiceEntry {
  const entry = (SERVICES as readonly ServiceEntry[]).find((s) => s.name === name);
  if (!entry) throw new Error(`unknown service ${name}`);
  return entry;
}

/** Every variable a service reads beyond the common ones: its own, then the shared ones. */
export function envOf(entry: Pick<ServiceEntry, 'env'>): EnvName[] {
  const shared = (Object.keys(ENV) as EnvName[]).filter((name) => (ENV[name] as EnvSpec).shared);
  return [...new Set([...entry.env, ...shared])];
}

export function envSpec(name: EnvName): EnvSpec {
  return ENV[name];
}

/**
 * Development placeholders for every required setting without a default, so a fresh checkout
 * starts without provider accounts (`npm start`, compose fallbacks, the k8s dev overlay).
 */
export function devSecrets(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(ENV) as Array<[EnvName, EnvSpec]>) if (spec.dev !== undefined) out[name] = spec.dev;
  return out;
}

/** Variables with a development placeholder (and so a test value). */
export type PlaceholderName = { [K in EnvName]: (typeof ENV)[K] extends { dev: string } ? K : never }[EnvName];

/** The values the e2e harness runs gateways with (fake providers and signed webhooks use them too). */
export function testSecrets(): Record<PlaceholderName, string> {
  const out = {} as Record<string, string>;
  for (const [name, spec] of Object.entries(ENV) as Array<[EnvName, EnvSpec]>) {
    const value = spec.test ?? spec.dev?.replace(/^dev-/, 'e2e-');
    if (value !== undefined) out[name] = value;
  }
  return out;
}
