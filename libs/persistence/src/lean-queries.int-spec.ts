import { randomUUID } from 'node:crypto';
import { QueryFailedError, type DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { InboxEntry, openDataSource, UnitOfWork } from './index';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omni_dev_tests';

/**
 * Unit-of-work transactions run their statements straight on pg (lean-queries.ts); TypeORM's own
 * query runner must not be able to tell: same results, same errors, entity APIs unchanged.
 */
describe('lean queries in unit-of-work transactions (real PostgreSQL)', () => {
  let dataSource: DataSource;
  let uow: UnitOfWork;
  const schema = `lean_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: databaseUrl, schema, entities: [], migrations: [] });
    await dataSource.query(`CREATE TABLE "${schema}".items (id int PRIMARY KEY, v text NOT NULL)`);
    uow = new UnitOfWork(dataSource, undefined, 'omni/lean-test', 'lean-test');
  });
  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  /** The same statements, each in a transaction rolled back afterwards, on a given runner. */
  async function shapes(query: (sql: string, params: unknown[], structured?: boolean) => Promise<unknown>): Promise<unknown[]> {
    const t = `"${schema}".items`;
    return [
      await query(`INSERT INTO ${t} (id, v) VALUES ($1, $2), ($3, $4) RETURNING id`, [1, 'a', 2, 'b']),
      await query(`SELECT id, v FROM ${t} WHERE id = ANY($1::int[]) ORDER BY id`, [[1, 2]]),
      await query(`UPDATE ${t} SET v = $1 WHERE id = $2 RETURNING v`, ['c', 1]),
      await query(`UPDATE ${t} SET v = $1 WHERE id = $2`, ['d', 99]),
      await query(`DELETE FROM ${t} WHERE id = $1`, [2]),
      await query(`SELECT count(*)::int AS n FROM ${t}`, [], true),
    ];
  }

  it('returns what TypeORM returns for selects, inserts, updates, deletes and structured results', async () => {
    let lean: unknown[] = [];
    let isLean = false;
    await uow.run(async (manager: EntityManager) => {
      const runner = manager.queryRunner!;
      isLean = Object.prototype.hasOwnProperty.call(runner, 'query');
      lean = await shapes((sql, params, structured) => (structured ? runner.query(sql, params, true) : runner.query(sql, params)));
      await runner.query(`DELETE FROM "${schema}".items`);
    });
    const plain: QueryRunner = dataSource.createQueryRunner();
    await plain.startTransaction();
    let typeorm: unknown[];
    try {
      typeorm = await shapes((sql, params, structured) => (structured ? plain.query(sql, params, true) : plain.query(sql, params)));
    } finally {
      await plain.rollbackTransaction();
      await plain.release();
    }
    expect(isLean).toBe(true);
    expect(JSON.parse(JSON.stringify(lean))).toEqual(JSON.parse(JSON.stringify(typeorm)));
    expect(lean[2]).toEqual([[{ v: 'c' }], 1]);
  });

  it('throws QueryFailedError with the driver error, and entity APIs still work', async () => {
    await uow.run(async (manager) => {
      expect(await manager.getRepository(InboxEntry).count()).toBe(0);
      await manager.getRepository(InboxEntry).insert({ consumer: 'lean', eventId: 'e1' });
      expect(await manager.getRepository(InboxEntry).findOneBy({ consumer: 'lean', eventId: 'e1' })).toMatchObject({ consumer: 'lean', eventId: 'e1' });
    });
    const failing = uow.run((manager) => manager.query(`INSERT INTO "${schema}".items (id, v) VALUES ($1, NULL)`, [7]));
    await expect(failing).rejects.toBeInstanceOf(QueryFailedError);
    await expect(failing).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23502' }), code: '23502' });
  });
});
