/**
 * Gathers the items callers submit during one turn of the event loop, per key, and hands each
 * group to `run` once, at the end of the turn (`setImmediate`).
 *
 * Why: kafkajs hands the batches of one fetch to its workers in a single turn, one eachBatch call
 * per partition. Gathered by topic, they share one database transaction; gathered as a whole, their
 * offsets share one commit request. Work per cycle (a transaction, an offset commit) costs about the
 * same whatever its size, so cycles, not records, set the CPU a consumer spends.
 *
 * A group never holds more than `max` (by `size`): an item that would overflow it starts the full
 * group at once and opens the next one.
 */
export class SameTurnGatherer<T, R> {
  private readonly open = new Map<string, Group<T, R>>();

  constructor(
    private readonly options: {
      /** Applies one group; answers one result per item, in order. A throw rejects every item. */
      run: (items: T[]) => Promise<R[]>;
      size?: (item: T) => number;
      max?: number;
    },
  ) {}

  submit(key: string, item: T): Promise<R> {
    const size = this.options.size?.(item) ?? 1;
    const max = this.options.max ?? Number.POSITIVE_INFINITY;
    let group = this.open.get(key);
    if (group && group.size + size > max) {
      this.start(key, group);
      group = undefined;
    }
    if (!group) {
      const opened: Group<T, R> = { items: [], waiters: [], size: 0, started: false };
      setImmediate(() => this.start(key, opened));
      this.open.set(key, opened);
      group = opened;
    }
    group.size += size;
    group.items.push(item);
    return new Promise<R>((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  private start(key: string, group: Group<T, R>): void {
    if (group.started) return;
    group.started = true;
    if (this.open.get(key) === group) this.open.delete(key);
    // A run that throws before its first await rejects the group like one that fails later.
    new Promise<R[]>((resolve) => resolve(this.options.run(group.items))).then(
      (results) => group.waiters.forEach((w, i) => w.resolve(results[i]!)),
      (error: unknown) => group.waiters.forEach((w) => w.reject(error)),
    );
  }
}

interface Group<T, R> {
  items: T[];
  waiters: Array<{ resolve: (result: R) => void; reject: (error: unknown) => void }>;
  size: number;
  started: boolean;
}
