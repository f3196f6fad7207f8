import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync, type ValidationError } from 'class-validator';
import { DEV_JWT_SECRET } from './auth/dev-token';

/** A bad or missing environment variable; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: Array<{ variable: string; problem: string }>) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.problem}`).join('; ')}`);
  }
}

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * `@Transform` of a numeric setting: the environment's string as a number, unset when empty (the
 * field's default applies). Pair it with `@IsInt()` / `@IsNumber()` and `@Min` / `@Max`, which
 * refuse what is not a number (NaN) or out of bounds, naming the variable:
 *
 *   @Transform(numberSetting) @IsInt() @Min(10) @Max(60_000) EXAMPLE_TIMEOUT_MS = 1_000;
 */
export const numberSetting = ({ value }: { value: unknown }): unknown => (value === undefined || value === '' ? undefined : Number(value));

/**
 * Variables every service reads. Service-specific configs extend this class and add their own
 * decorated fields; defaults live in the field initialisers.
 */
export class BaseServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  @Transform(numberSetting)
  PORT!: number;

  @Transform(emptyToUndefined)
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:9092';

  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/omni';

  /**
   * Named prepared statements on each database connection (parse and plan once per connection).
   * Set to false behind a transaction-mode pooler that cannot keep them (PgBouncer before 1.21).
   */
  @Transform(emptyToUndefined)
  @IsIn(['true', 'false'])
  DATABASE_PREPARED_STATEMENTS = 'true';

  @Transform(emptyToUndefined)
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Prefix for topics and consumer groups (tests and shared dev brokers). */
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'may only contain letters, digits, ".", "_" and "-"' })
  OMNI_TOPIC_PREFIX = '';

  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS?: number;

  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  KAFKA_HANDLER_RETRIES?: number;

  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  KAFKA_HANDLER_RETRY_BASE_MS?: number;

  /** Session timeout of the consumer group (6–300 s): bounds how long a crashed member's partitions wait. */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS?: number;

  /** Partitions one instance processes at once (each batch is one DB transaction). */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONCURRENTLY?: number;

  /**
   * Fetch linger in ms (0–500): while records keep coming, how long a fetch waits for more so
   * batches fill; the first record after a quiet spell is never held. 0: off.
   */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  @Max(500)
  KAFKA_FETCH_LINGER_MS?: number;

  /** Linger of the produce micro-batcher in ms (0–2): how long a lone record waits for company. */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(0)
  @Max(2)
  KAFKA_PRODUCE_LINGER_MS?: number;

  /**
   * `retention.ms` overrides for topics Omni creates: `topic=ms` pairs, comma-separated (a `.dlq`
   * name targets the twin; -1 keeps forever). Defaults: docs/crm-integration.md.
   */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\s*[a-z0-9._-]+\s*=\s*(-1|\d{1,15})\s*(,\s*[a-z0-9._-]+\s*=\s*(-1|\d{1,15})\s*)*$/, { message: 'must be topic=milliseconds pairs separated by commas' })
  KAFKA_TOPIC_RETENTION_MS?: string;

  /** Fallback poll of the outbox relay; commits nudge it, so this only catches leftovers. */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(100)
  OUTBOX_POLL_MS?: number;

  /**
   * Hours an applied event's inbox row is kept (default 336 = 14 days). Keep it longer than the
   * retention of every topic the service consumes: a record redelivered after its row is pruned
   * would be applied again (docs/operations.md).
   */
  @IsOptional()
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  INBOX_RETENTION_HOURS?: number;

  /** HS256 secret that verifies API bearer tokens (unused when AUTH_JWKS_URL is set). */
  @Transform(emptyToUndefined)
  @IsString()
  AUTH_JWT_SECRET = DEV_JWT_SECRET;

  /** JWKS endpoint of an identity provider (e.g. Keycloak's …/protocol/openid-connect/certs). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string;

  /** Required `iss` of tokens, when set. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  AUTH_JWT_ISSUER?: string;

  /** Required `aud` of tokens, when set. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  AUTH_JWT_AUDIENCE?: string;
}

/**
 * Reads and validates configuration from the environment. Unknown variables are ignored; a bad
 * value throws ConfigError naming the variable, so the service stops with a clear message.
 */
export function loadConfig<T extends BaseServiceConfig>(
  type: new () => T,
  env: NodeJS.ProcessEnv,
  defaults: Partial<Record<keyof T, unknown>> = {},
): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(type, { ...defaults, ...defined }, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length) throw new ConfigError(flatten(errors));
  return instance;
}

function flatten(errors: ValidationError[]): Array<{ variable: string; problem: string }> {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((problem) => ({ variable: e.property, problem: problem.replace(`${e.property} `, '') })));
}
