import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { MAX_PREPARED_PER_CONNECTION, openDataSource, PreparingClient } from './index';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omni_dev_tests';

describe('prepared statements (real PostgreSQL)', () => {
  const schema = `prep_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  /** One connection, so the server's list of its prepared statements is the one under test. */
  let connection: QueryRunner;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    connection = dataSource.createQueryRunner();
    await connection.query(`CREATE TABLE "${schema}".items (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await connection.query(`DROP SCHEMA "${schema}" CASCADE`);
    await connection.release();
    await dataSource.destroy();
  });

  const preparedOnServer = async (): Promise<string[]> =>
    ((await connection.query(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE $1 ORDER BY statement`, [`%"${schema}".items%`])) as Array<{ statement: string }>).map((r) => r.statement);

  it('prepares each parameterised statement once per connection and reuses it', async () => {
    const insert = `INSERT INTO "${schema}".items (id, label) VALUES ($1, $2)`;
    for (let i = 1; i <= 5; i++) await connection.query(insert, [i, `item ${i}`]);
    const select = `SELECT label FROM "${schema}".items WHERE id = $1`;
    expect(await connection.query(select, [3])).toEqual([{ label: 'item 3' }]);
    expect(await connection.query(select, [4])).toEqual([{ label: 'item 4' }]);
    // Statements without parameters are not prepared.
    expect(await connection.query(`SELECT count(*)::int AS n FROM "${schema}".items`)).toEqual([{ n: 5 }]);
    expect(await preparedOnServer()).toEqual([insert, select].sort());
  });

  it('recovers when a table changes under a prepared SELECT *: one failure, then prepared afresh', async () => {
    const select = `SELECT * FROM "${schema}".items WHERE id = $1`;
    expect(await connection.query(select, [1])).toEqual([{ id: 1, label: 'item 1' }]);
    await connection.query(`ALTER TABLE "${schema}".items ADD COLUMN note text`);
    await expect(connection.query(select, [1])).rejects.toThrow('cached plan must not change result type');
    expect(await connection.query(select, [1])).toEqual([{ id: 1, label: 'item 1', note: null }]);
  });

  it('bounds the names one connection keeps', () => {
    const client = new PreparingClient();
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION; i++) expect(client.nameFor(`SELECT ${i} WHERE $1::int > 0`)).toMatch(/^omni_0_[0-9a-f]{20}$/);
    expect(client.nameFor('SELECT one more WHERE $1::int > 0')).toBeUndefined();
    expect(client.nameFor('SELECT 0 WHERE $1::int > 0')).toBeDefined();
    client.forgetStatements();
    expect(client.nameFor('SELECT one more WHERE $1::int > 0')).toMatch(/^omni_1_/);
  });

  it('runs everything unnamed when turned off (transaction-mode poolers)', async () => {
    const plain = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [], preparedStatements: false });
    const runner = plain.createQueryRunner();
    try {
      expect(await runner.query(`SELECT label FROM "${schema}".items WHERE id = $1`, [2])).toEqual([{ label: 'item 2' }]);
      expect(await runner.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).toEqual([{ n: 0 }]);
    } finally {
      await runner.release();
      await plain.destroy();
    }
  });
});
