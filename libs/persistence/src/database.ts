import { Client } from 'pg';
import { DataSource, type EntityManager, type EntitySchema, type MixedList } from 'typeorm';
import { InboxEntry, OutboxEntry } from './entities';
import { PreparingClient } from './prepared-statements';
import { CreateInboxOutbox1732300000000 } from './migrations/1732300000000-create-inbox-outbox';
import { IndexInboxProcessedAt1764600000000 } from './migrations/1764600000000-inbox-processed-at-index';

export interface DatabaseSettings {
  url: string;
  /** The service's own schema (normalizer, router, window_policy, assignment). */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  poolSize?: number;
  /** Named prepared statements per connection (PreparingClient); off for transaction-mode poolers. Default on. */
  preparedStatements?: boolean;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`invalid SQL identifier "${name}"`);
  return `"${name}"`;
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!found.rowCount) {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`).catch((err: { code?: string }) => {
        // 42P04 / 23505: created concurrently by another service, which is fine.
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
  } finally {
    await client.end();
  }
}

/** Connections per service instance (TypeORM's pool) unless its settings say otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * A TypeORM data source bound to one service schema. The database and schema are created when
 * missing and the checked-in migrations (the shared inbox/outbox one first) run at start-up;
 * `synchronize` stays off.
 */
export async function openDataSource(settings: DatabaseSettings): Promise<DataSource> {
  await ensureDatabase(settings.url);
  await ensureSchema(settings.url, settings.schema);
  const dataSource = new DataSource({
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    entities: [InboxEntry, OutboxEntry, ...(settings.entities as unknown[] as never[])],
    migrations: [CreateInboxOutbox1732300000000, IndexInboxProcessedAt1764600000000, ...settings.migrations],
    // Migrations run below under an advisory lock: replicas starting together must not race.
    migrationsRun: false,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: settings.poolSize ?? DEFAULT_POOL_SIZE,
    extra: { application_name: `omni-${settings.schema}`, ...(settings.preparedStatements === false ? {} : { Client: PreparingClient }) },
  });
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource, settings.schema);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock keyed by the schema, so when
 * several instances of a service start at once exactly one migrates and the others wait, then
 * find nothing left to do.
 */
async function runMigrationsLocked(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`omni-migrations:${schema}`]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`omni-migrations:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

/** The schema a data source (or a transaction's entity manager) was opened on, for raw SQL. */
export function schemaOf(source: DataSource | EntityManager): string {
  const dataSource = source instanceof DataSource ? source : source.connection;
  return (dataSource.options as { schema?: string }).schema ?? 'public';
}
