import { EntityManager } from 'typeorm';

/**
 * The SQL the services sent through TypeORM (EntityManager.query, which every raw statement of
 * theirs goes through) while `work` ran, in order: for specs that count round trips. For jest
 * specs only (it spies with jest), and never two at once.
 */
export async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(EntityManager.prototype, 'query');
  try {
    await work();
    return spy.mock.calls.map(([sql]) => String(sql));
  } finally {
    spy.mockRestore();
  }
}
