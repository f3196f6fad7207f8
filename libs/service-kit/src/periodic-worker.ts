/** The one logger call a PeriodicWorker makes; structural so any pino-style logger fits. */
export interface PeriodicWorkerLogger {
  warn(fields: { err: string | undefined }, message: string): void;
}

export interface PeriodicWorkerOptions<T> {
  /** One tick's work. Its rejection is logged and swallowed: the next tick is the retry. */
  run: () => Promise<T>;
  intervalMs: number;
  /** Names the work in the failure log line, e.g. 'webhook dispatch'. */
  name: string;
  logger: PeriodicWorkerLogger;
}

/**
 * Runs `run` every `intervalMs` for a poller that owns it (composition, so the owner keeps its own
 * Nest lifecycle hooks and public `tick()`):
 * - ticks never overlap: a poll slower than the interval would otherwise pile up transactions
 *   contending for the same rows; a tick asked for while one runs gets the running one's promise;
 * - the timer is unref'd so a forgotten stop() never keeps a process (or a jest worker) alive;
 * - stop() awaits the running tick so shutdown never closes the pool under an open transaction;
 * - a failing tick logs only the error's message (row data in a driver error could be PII).
 */
export class PeriodicWorker<T = void> {
  private handle?: NodeJS.Timeout;
  private running?: Promise<T | undefined>;
  private isStopped = false;

  constructor(private readonly options: PeriodicWorkerOptions<T>) {}

  /** True once stop() was called; long drains check it to end between batches. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Schedules the ticks; the first runs one interval from now. A second call changes nothing. */
  start(): void {
    if (this.handle || this.isStopped) return;
    this.handle = setInterval(() => void this.tick(), this.options.intervalMs);
    this.handle.unref();
  }

  /**
   * Runs a tick now (a wake-up, or tests that drive time themselves) without moving the schedule.
   * Resolves to the work's result, or undefined when it failed or the worker is stopped.
   */
  tick(): Promise<T | undefined> {
    if (this.running || this.isStopped) return this.running ?? Promise.resolve(undefined);
    let work: Promise<T>;
    try {
      work = this.options.run();
    } catch (err) {
      // A run that throws before its first await must not escape the interval callback.
      work = Promise.reject(err);
    }
    this.running = work
      .catch((err: unknown) => {
        this.options.logger.warn({ err: (err as Error | undefined)?.message }, `${this.options.name} failed; retrying on the next tick`);
        return undefined;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops scheduling and resolves once the running tick (if any) has finished. */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }
}
