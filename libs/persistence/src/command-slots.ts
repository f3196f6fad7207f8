/**
 * At most `size` callers at a time; the others wait in arrival order. The unit of work runs its
 * commands (HTTP requests, sweeps, timers: `UnitOfWork.run`) through it, so that they can never
 * hold every pooled connection: a burst of commands waiting for a lock otherwise leaves consumed
 * batches waiting for a connection behind them (measured on assignment at 100 webhooks/s: resolve
 * requests held the pool and routed batches waited up to 2 s just to begin).
 */
export class CommandSlots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`command slots must be a positive integer, got ${size}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line (busy stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }

  /** Callers waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }
}

/**
 * Pooled connections kept out of the commands' reach: the consumer's concurrently applied batches
 * (three partitions at a time) and the outbox relay's marking.
 */
export const CONNECTIONS_KEPT_FOR_CONSUMERS = 4;

/** The command slots of a pool of `poolSize` connections (at least one). */
export function commandSlotsFor(poolSize: number): number {
  return Math.max(1, poolSize - CONNECTIONS_KEPT_FOR_CONSUMERS);
}
