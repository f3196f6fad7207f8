import { TransactionHooks } from './unit-of-work';
import { writeBufferOf } from './write-buffer';

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
});
