import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createLogger, HealthRegistry, Metrics, NestJsonLogger, type Logger } from '@omni/observability';
import { KafkaTransport, MessagingModule, parseRetentionOverrides, WEBHOOK_BODY_LIMIT_BYTES, type KafkaSettings } from '@omni/messaging';
import { ALL_TOPICS } from '@omni/contracts';
import { PersistenceModule, type DatabaseSettings } from '@omni/persistence';
import { loadConfig, type BaseServiceConfig } from './config';
import { httpMetrics } from './http-telemetry';
import { ServiceKitModule } from './kit.module';
import { sendProblem } from './problem';
import { serviceEntry, type ServiceName } from './catalog';
import { authSettingsFrom } from './auth/token-verifier';
import { DEV_JWT_SECRET } from './auth/dev-token';
import { assertProductionSecrets } from './production-secrets';

export interface ServiceDefinition<C extends BaseServiceConfig> {
  name: ServiceName;
  description: string;
  configClass: new () => C;
  /** The service's own module, built from its validated config. */
  module: (config: C) => DynamicModule;
  /** Entities and migrations when the service owns a schema. */
  database?: (config: C) => Omit<DatabaseSettings, 'url' | 'schema'>;
}

export interface RunningService<C extends BaseServiceConfig> {
  app: INestApplication;
  config: C;
  logger: Logger;
  metrics: Metrics;
  /** Base URL the HTTP server listens on. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Install SIGTERM/SIGINT handlers (main.ts yes; tests running several services no). */
  handleSignals?: boolean;
  /** Overrides for config values (tests). */
  overrides?: Record<string, unknown>;
  /**
   * Resolve only once the service reports ready (Kafka group joined, topics provisioned), failing
   * after this many ms. Services themselves don't wait: they start, then join in the background.
   */
  waitForReadyMs?: number;
}

export function kafkaSettingsFrom(service: string, config: BaseServiceConfig): KafkaSettings {
  return {
    brokers: config.KAFKA_BROKERS.split(','),
    service,
    topicPrefix: config.OMNI_TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    handlerRetries: config.KAFKA_HANDLER_RETRIES,
    handlerRetryBaseMs: config.KAFKA_HANDLER_RETRY_BASE_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
    produceLingerMs: config.KAFKA_PRODUCE_LINGER_MS,
    fetchLingerMs: config.KAFKA_FETCH_LINGER_MS,
    retentionOverrides: parseRetentionOverrides(config.KAFKA_TOPIC_RETENTION_MS, ALL_TOPICS.map((t) => t.name)),
  };
}

/**
 * Boots one Omni service: validated config, JSON logs, metrics, health, Kafka (and PostgreSQL
 * when it owns a schema), OpenAPI at /docs, problem+json errors, then listens on PORT.
 * Telemetry must already be started (see `@omni/service-kit/telemetry` in main.ts).
 */
export async function startService<C extends BaseServiceConfig>(definition: ServiceDefinition<C>, options: StartOptions = {}): Promise<RunningService<C>> {
  const entry = serviceEntry(definition.name);
  const env = options.env ?? process.env;
  const config = loadConfig(definition.configClass, { ...env, ...(options.overrides as NodeJS.ProcessEnv) }, { PORT: entry.port } as never);
  const auth = authSettingsFrom(config, env.NODE_ENV, (value) => value === DEV_JWT_SECRET);
  // Production never runs on the placeholders npm start / compose fill in, nor on empty secrets.
  assertProductionSecrets(entry, { ...env, ...(options.overrides as NodeJS.ProcessEnv) });
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const metrics = new Metrics(definition.name);
  const health = new HealthRegistry();

  const imports: DynamicModule[] = [
    ServiceKitModule.forRoot({ service: definition.name, logger, metrics, health, config, auth }),
    MessagingModule.forRoot(kafkaSettingsFrom(definition.name, config)),
  ];
  if (definition.database) {
    if (!entry.schema) throw new Error(`${definition.name} has no schema in the catalog`);
    imports.push(
      PersistenceModule.forRoot({ ...definition.database(config), url: config.DATABASE_URL, preparedStatements: config.DATABASE_PREPARED_STATEMENTS !== 'false', schema: entry.schema, service: definition.name, outboxPollMs: config.OUTBOX_POLL_MS, inboxRetentionHours: config.INBOX_RETENTION_HOURS }),
    );
  }
  imports.push(definition.module(config));

  @Module({ imports })
  class RootModule {}

  const app = await NestFactory.create(RootModule, { logger: new NestJsonLogger(logger), bodyParser: false, abortOnError: false });
  app.use(httpMetrics(metrics));
  // Webhooks get the raw bytes: providers sign them, and they are kept byte-for-byte.
  // Limited below what one Kafka record may hold (limits.ts): larger bodies are 413, never a 500.
  app.use('/webhooks', express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT_BYTES }));
  app.use(express.json({ limit: '1mb' }));
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = err.status && err.status < 500 ? err.status : 400;
    sendProblem(res, req, { status, title: status === 413 ? 'Payload too large' : 'Malformed request body', detail: err.type === 'entity.parse.failed' ? 'The body is not valid JSON.' : err.message });
  });
  if (options.handleSignals) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Omni ${definition.name}`)
      .setDescription(
        `${definition.description}\n\nEvery operation except provider webhooks, health and metrics needs \`Authorization: Bearer <JWT>\` ` +
          `with a role claim (\`roles\`: agent, supervisor, admin; or the \`crm\` scope). \`npm start\` prints a development admin token.`,
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  // Kafka handlers (@OnTopic controllers) are served by Omni's transport as a Nest microservice of
  // this app, with the app's global pipes, guards, interceptors and filters.
  app.connectMicroservice({ strategy: app.get(KafkaTransport) }, { inheritAppConfig: true });

  try {
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.PORT, env.HOST ?? '0.0.0.0');
  } catch (err) {
    // A failed start (Kafka or PostgreSQL unreachable…) must not leave connections open behind it.
    await app.close().catch(() => undefined);
    throw err;
  }
  if (options.waitForReadyMs) {
    try {
      await waitForReady(health, options.waitForReadyMs);
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  logger.info({ url, port: address.port }, `${definition.name} listening`);
  return {
    app,
    config,
    logger,
    metrics,
    url,
    close: async () => {
      await app.close();
      logger.info('stopped');
      logger.flush?.();
    },
  };
}

async function waitForReady(health: HealthRegistry, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await health.readiness();
    if (report.status === 'ok') return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${JSON.stringify(report.checks)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
