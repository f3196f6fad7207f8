import { randomUUID } from 'node:crypto';
import { openDataSource } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { normalizerDatabase } from './normalizer';

describe('normalizer entities and migrations (real PostgreSQL)', () => {
  it('leave TypeORM nothing to change: the entities mirror the migrated schema', async () => {
    const schema = `normalizer_sync_${randomUUID().slice(0, 8)}`;
    const dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, ...normalizerDatabase() });
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // And the migrations go down cleanly too.
      await dataSource.undoLastMigration();
      await dataSource.runMigrations();
    } finally {
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    }
  });
});
