import type { TransactionHooks } from './unit-of-work';

/**
 * Rows a transaction writes together, in one statement just before it commits, instead of one
 * statement each: a consumed batch of N records then costs one round trip for them, not N.
 * Anything that reads those rows back in the same transaction flushes the buffer first.
 *
 * Made with `keysOf`, the buffer knows what its pending rows are about (the keys it gives each row,
 * e.g. `conversation:<id>`; the caller names them and folds their case), so that a reader flushes it
 * only when it holds a row the reader would see (`flushIfHolds`), and otherwise leaves the batch's
 * rows to the one statement at the commit. A buffer made without it holds no key.
 */
export class WriteBuffer<T> {
  private pending: T[] = [];
  /** The keys of the pending rows: forgotten with the rows when they are written. */
  private readonly keys = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly hooks: TransactionHooks,
    private readonly key: string,
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly keysOf: (row: T) => Iterable<string> = () => [],
  ) {}

  add(row: T): void {
    this.pending.push(row);
    for (const key of this.keysOf(row)) this.keys.add(key);
    // (Re)scheduled on every first row after a flush: a row added by a later before-commit hook
    // is still written before the commit.
    if (!this.scheduled) {
      this.scheduled = true;
      this.hooks.beforeCommit(this.key, () => this.flush());
    }
  }

  /** Whether a pending row has this key. */
  holds(key: string): boolean {
    return this.keys.has(key);
  }

  /** Writes the pending rows now when one of them has one of these keys (a read of it follows). */
  async flushIfHolds(...keys: string[]): Promise<void> {
    if (keys.some((key) => this.keys.has(key))) await this.flush();
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    // With the rows, not after the write: a row added while it runs (by `write` itself) is pending, and held, anew.
    this.keys.clear();
    this.scheduled = false;
    if (rows.length) await this.write(rows);
  }
}

/**
 * The transaction's buffer named `key` (one per transaction, so a consumed batch shares it across
 * its records), created with `write` and `keysOf` on first use.
 */
export function writeBufferOf<T>(
  hooks: TransactionHooks,
  key: string,
  write: (rows: T[]) => Promise<void>,
  keysOf?: (row: T) => Iterable<string>,
): WriteBuffer<T> {
  return hooks.local(key, () => new WriteBuffer<T>(hooks, key, write, keysOf));
}

/**
 * Splits rows into rounds that one statement each can write: a row goes to the round after the last
 * one holding any of its keys, so no round touches a row twice (one UPDATE changes a row once) and
 * rows with a key in common are written in their order. Without repeats (the normal batch) there
 * is one round.
 */
export function roundsOf<T>(rows: readonly T[], keysOf: (row: T) => readonly string[]): T[][] {
  const lastRoundOf = new Map<string, number>();
  const rounds: T[][] = [];
  for (const row of rows) {
    const keys = keysOf(row);
    const round = Math.max(-1, ...keys.map((key) => lastRoundOf.get(key) ?? -1)) + 1;
    for (const key of keys) lastRoundOf.set(key, round);
    (rounds[round] ??= []).push(row);
  }
  return rounds;
}
