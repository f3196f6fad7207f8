import type { DataSource } from 'typeorm';

/** One session's hold on (or wait for) the assignment lock, as pg_locks shows it. */
export interface AssignmentLockEntry {
  mode: string;
  granted: boolean;
}

/**
 * Sessions holding or waiting for this schema's assignment lock, read on another connection than
 * the transactions under test (a bigint advisory key shows in pg_locks as two oids).
 */
export async function assignmentLockEntries(dataSource: DataSource, schema: string): Promise<AssignmentLockEntry[]> {
  return (await dataSource.query(
    `WITH k AS (SELECT hashtextextended($1, 0) AS key)
     SELECT mode, granted FROM pg_locks, k WHERE locktype = 'advisory' AND objsubid = 1
        AND classid = ((key >> 32) & 4294967295)::oid AND objid = (key & 4294967295)::oid ORDER BY mode`,
    [`${schema}.assignment`],
  )) as AssignmentLockEntry[];
}
