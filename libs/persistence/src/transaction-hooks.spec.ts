import { TransactionHooks } from './unit-of-work';

describe('TransactionHooks', () => {
  describe('local', () => {
    it('makes a value once per transaction and key, and keeps transactions apart', () => {
      const [first, second] = [new TransactionHooks(), new TransactionHooks()];
      let made = 0;
      const counter = () => ({ n: ++made });
      const a = first.local('a', counter);
      expect(first.local('a', counter)).toBe(a);
      expect(first.local('b', counter)).not.toBe(a);
      expect(second.local('a', counter)).not.toBe(a);
      expect(made).toBe(3);
    });

    it('keeps a falsy value instead of making it again', () => {
      const hooks = new TransactionHooks();
      let made = 0;
      expect(hooks.local('zero', () => (made++, 0))).toBe(0);
      expect(hooks.local('zero', () => (made++, 1))).toBe(0);
      expect(made).toBe(1);
    });
  });

  describe('beforeCommit', () => {
    it('runs each key once, including hooks registered by other hooks, in registration order', async () => {
      const hooks = new TransactionHooks();
      const ran: string[] = [];
      hooks.beforeCommit('a', async () => {
        ran.push('a');
        hooks.beforeCommit('c', async () => void ran.push('c'));
      });
      hooks.beforeCommit('b', async () => void ran.push('b'));
      hooks.beforeCommit('a', async () => void ran.push('a again')); // same key: ignored
      await hooks.runBeforeCommit();
      expect(ran).toEqual(['a', 'b', 'c']);
    });

    it('gives up on a hook that keeps registering itself', async () => {
      const hooks = new TransactionHooks();
      const again = async (): Promise<void> => hooks.beforeCommit('loop', again);
      hooks.beforeCommit('loop', again);
      await expect(hooks.runBeforeCommit()).rejects.toThrow(/still registering/);
    });
  });

  it('runs after-commit hooks once and swallows their errors', () => {
    const hooks = new TransactionHooks();
    const ran: number[] = [];
    hooks.afterCommit(() => {
      throw new Error('bookkeeping failed');
    });
    hooks.afterCommit(() => void ran.push(1));
    hooks.runAfterCommit();
    hooks.runAfterCommit();
    expect(ran).toEqual([1]);
  });
});
