import type { TransactionHooks } from './unit-of-work';

/**
 * Rows a transaction writes together, in one statement just before it commits, instead of one
 * statement each: a consumed batch of N records then costs one round trip for them, not N.
 * Anything that reads those rows back in the same transaction flushes the buffer first.
 */
export class WriteBuffer<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(
    private readonly hooks: TransactionHooks,
    private readonly key: string,
    private readonly write: (rows: T[]) => Promise<void>,
  ) {}

  add(row: T): void {
    this.pending.push(row);
    // (Re)scheduled on every first row after a flush: a row added by a later before-commit hook
    // is still written before the commit.
    if (!this.scheduled) {
      this.scheduled = true;
      this.hooks.beforeCommit(this.key, () => this.flush());
    }
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (rows.length) await this.write(rows);
  }
}

/**
 * The transaction's buffer named `key` (one per transaction, so a consumed batch shares it across
 * its records), created with `write` on first use.
 */
export function writeBufferOf<T>(hooks: TransactionHooks, key: string, write: (rows: T[]) => Promise<void>): WriteBuffer<T> {
  return hooks.local(key, () => new WriteBuffer<T>(hooks, key, write));
}
