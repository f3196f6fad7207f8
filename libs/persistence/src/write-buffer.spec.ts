import { TransactionHooks } from './unit-of-work';
import { roundsOf, writeBufferOf } from './write-buffer';

describe('writeBufferOf', () => {
  it("writes a transaction's rows in one call before it commits, in order", async () => {
    const hooks = new TransactionHooks();
    const writes: number[][] = [];
    const write = async (rows: number[]) => void writes.push(rows);
    writeBufferOf(hooks, 'rows', write).add(1);
    writeBufferOf(hooks, 'rows', write).add(2); // the same buffer: the transaction has one per key
    expect(writes).toEqual([]);
    await hooks.runBeforeCommit();
    expect(writes).toEqual([[1, 2]]);
  });

  it('keeps transactions and keys apart', async () => {
    const [first, second] = [new TransactionHooks(), new TransactionHooks()];
    const writes: string[] = [];
    const write = (label: string) => async (rows: string[]) => void writes.push(`${label}:${rows.join(',')}`);
    writeBufferOf(first, 'a', write('a')).add('x');
    writeBufferOf(first, 'b', write('b')).add('y');
    writeBufferOf(second, 'a', write('a')).add('z');
    await first.runBeforeCommit();
    expect(writes).toEqual(['a:x', 'b:y']);
    await second.runBeforeCommit();
    expect(writes).toEqual(['a:x', 'b:y', 'a:z']);
  });

  it('writes what was added before an early flush, and rows added later (even by a later hook) at the commit', async () => {
    const hooks = new TransactionHooks();
    const writes: number[][] = [];
    const buffer = writeBufferOf(hooks, 'rows', async (rows: number[]) => void writes.push(rows));
    buffer.add(1);
    await buffer.flush(); // e.g. a reader of these rows in the same transaction
    await buffer.flush(); // nothing new: no write
    expect(writes).toEqual([[1]]);
    hooks.beforeCommit('later', async () => buffer.add(3));
    buffer.add(2);
    await hooks.runBeforeCommit();
    expect(writes).toEqual([[1], [2], [3]]);
  });

  describe('keyed by keysOf', () => {
    /** A buffer of contact/conversation pairs, found by either (the conversation lower-cased, as the caller folds it). */
    const keyed = (hooks: TransactionHooks, writes: string[][]) =>
      writeBufferOf(
        hooks,
        'keyed',
        async (rows: Array<{ contact: string; conversation: string }>) => void writes.push(rows.map((r) => r.conversation)),
        (row) => [`contact:${row.contact}`, `conversation:${row.conversation.toLowerCase()}`],
      );

    it('holds the keys of the pending rows, and writes them when asked about one of them only', async () => {
      const hooks = new TransactionHooks();
      const writes: string[][] = [];
      const buffer = keyed(hooks, writes);
      buffer.add({ contact: 'c1', conversation: 'A1' });
      buffer.add({ contact: 'c2', conversation: 'a2' });
      expect([buffer.holds('contact:c1'), buffer.holds('conversation:a1'), buffer.holds('conversation:a2')]).toEqual([true, true, true]);
      expect([buffer.holds('c1'), buffer.holds('contact:a1'), buffer.holds('contact:c3')]).toEqual([false, false, false]); // keys, not ids: the caller's namespaces
      await buffer.flushIfHolds('contact:c3', 'conversation:a3');
      await buffer.flushIfHolds();
      expect(writes).toEqual([]);
      await buffer.flushIfHolds('contact:c3', 'contact:c2');
      expect(writes).toEqual([['A1', 'a2']]); // all of them, in one write
    });

    it('folds case only as keysOf does', async () => {
      const hooks = new TransactionHooks();
      const writes: string[][] = [];
      const buffer = keyed(hooks, writes);
      buffer.add({ contact: 'C1', conversation: 'A1' });
      expect([buffer.holds('conversation:a1'), buffer.holds('conversation:A1'), buffer.holds('contact:c1')]).toEqual([true, false, false]);
      await buffer.flushIfHolds('conversation:A1', 'contact:c1');
      expect(writes).toEqual([]);
      await buffer.flushIfHolds('conversation:a1');
      expect(writes).toEqual([['A1']]);
    });

    it('forgets the keys of rows it wrote, by flush or at the commit', async () => {
      const hooks = new TransactionHooks();
      const writes: string[][] = [];
      const buffer = keyed(hooks, writes);
      buffer.add({ contact: 'c1', conversation: 'a1' });
      await buffer.flush();
      expect(buffer.holds('contact:c1')).toBe(false);
      await buffer.flushIfHolds('contact:c1'); // nothing about c1 is pending any more: no second write
      expect(writes).toEqual([['a1']]);
      buffer.add({ contact: 'c2', conversation: 'a2' });
      await hooks.runBeforeCommit();
      expect(buffer.holds('contact:c2')).toBe(false);
      expect(writes).toEqual([['a1'], ['a2']]);
    });

    it('keys a row added after an early write, and writes it, alone, when asked about it or at the commit', async () => {
      const hooks = new TransactionHooks();
      const writes: string[][] = [];
      const buffer = keyed(hooks, writes);
      buffer.add({ contact: 'c1', conversation: 'a1' });
      await buffer.flushIfHolds('contact:c1');
      buffer.add({ contact: 'c1', conversation: 'a2' });
      buffer.add({ contact: 'c3', conversation: 'a3' });
      expect([buffer.holds('contact:c1'), buffer.holds('conversation:a1'), buffer.holds('conversation:a2')]).toEqual([true, false, true]);
      await buffer.flushIfHolds('conversation:a1'); // written already: nothing pending is about it
      expect(writes).toEqual([['a1']]);
      await buffer.flushIfHolds('conversation:a2');
      buffer.add({ contact: 'c4', conversation: 'a4' });
      await hooks.runBeforeCommit();
      expect(writes).toEqual([['a1'], ['a2', 'a3'], ['a4']]);
    });

    it('keys a row the write itself adds as pending (it is written next)', async () => {
      const hooks = new TransactionHooks();
      const writes: string[][] = [];
      let held: boolean | undefined;
      const buffer = writeBufferOf(
        hooks,
        'self',
        async (rows: string[]) => {
          writes.push(rows);
          if (rows[0] === 'first') buffer.add('second');
          held = buffer.holds('second');
        },
        (row) => [row],
      );
      buffer.add('first');
      await buffer.flushIfHolds('first');
      expect(held).toBe(true);
      await buffer.flushIfHolds('second');
      expect(writes).toEqual([['first'], ['second']]);
    });

    it('holds no key when made without keysOf', async () => {
      const hooks = new TransactionHooks();
      const writes: number[][] = [];
      const buffer = writeBufferOf(hooks, 'unkeyed', async (rows: number[]) => void writes.push(rows));
      buffer.add(1);
      expect(buffer.holds('1')).toBe(false);
      await buffer.flushIfHolds('1');
      expect(writes).toEqual([]);
    });
  });
});

describe('roundsOf', () => {
  const keys = (row: string): string[] => row.split('+');

  it('keeps a batch without repeats in one round, in order', () => {
    expect(roundsOf(['a', 'b', 'c'], keys)).toEqual([['a', 'b', 'c']]);
  });

  it('puts a row after the last round holding any of its keys, so no round holds a key twice', () => {
    expect(roundsOf(['a', 'b', 'a', 'c', 'b+c', 'd'], keys)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'b+c'],
    ]);
    expect(roundsOf(['a', 'a', 'a+b', 'b'], keys)).toEqual([['a'], ['a'], ['a+b'], ['b']]);
  });

  it('gives no round for no rows', () => {
    expect(roundsOf([], keys)).toEqual([]);
  });
});
