import type { Clock } from './clock';

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
  /**
   * Makes the worker due-driven instead of polling every `intervalMs`: after each tick it sleeps
   * until the time (epoch ms) this returns for the tick's result, e.g. the earliest due row it saw,
   * or `undefined` when nothing is due at all. The sleep is never shorter than `intervalMs` from
   * the previous tick's start (the precision the owner asked for) nor longer than `maxIntervalMs`
   * (the safety net for work written where no wake() reaches: another replica, a manual SQL fix).
   * A failed tick is retried after `intervalMs`.
   */
  nextDueAt?: (result: T) => number | undefined;
  /** Longest sleep of a due-driven worker; required with `nextDueAt`. */
  maxIntervalMs?: number;
}

/**
 * Runs `run` every `intervalMs` for a poller that owns it (composition, so the owner keeps its own
 * Nest lifecycle hooks and public `tick()`):
 * - ticks never overlap: a poll slower than the interval would otherwise pile up transactions
 *   contending for the same rows; a tick asked for while one runs gets the running one's promise;
 * - the timer is unref'd so a forgotten stop() never keeps a process (or a jest worker) alive;
 * - stop() awaits the running tick so shutdown never closes the pool under an open transaction;
 * - a failing tick logs only the error's message (row data in a driver error could be PII).
 *
 * Two schedules: a fixed interval, or due-driven (`nextDueAt`): an idle system then costs one
 * tick per `maxIntervalMs` rather than one per `intervalMs`, and `wake()` brings the next tick
 * forward when the owner wrote new work (it is cheap enough to call after every commit).
 */
export class PeriodicWorker<T = void> {
  private handle?: NodeJS.Timeout;
  /** When the armed timer of a due-driven worker fires (epoch ms); Infinity when none is armed. */
  private armedAt = Infinity;
  private lastStartedAt = -Infinity;
  private wokenWhileRunning = false;
  private started = false;
  private running?: Promise<T | undefined>;
  private isStopped = false;

  constructor(private readonly options: PeriodicWorkerOptions<T>) {
    if (options.nextDueAt && !(options.maxIntervalMs !== undefined && options.maxIntervalMs >= options.intervalMs)) {
      throw new Error(`${options.name}: a due-driven worker needs maxIntervalMs >= intervalMs`);
    }
  }

  /** True once stop() was called; long drains check it to end between batches. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Schedules the ticks; the first runs one interval from now. A second call changes nothing. */
  start(): void {
    if (this.started || this.isStopped) return;
    this.started = true;
    if (this.options.nextDueAt) {
      this.armAt(Date.now() + this.options.intervalMs);
      return;
    }
    this.handle = setInterval(() => void this.tick(), this.options.intervalMs);
    this.handle.unref();
  }

  /**
   * New work may be due (the owner just committed some): a due-driven worker ticks as soon as its
   * interval allows instead of at its planned time. A wake during a tick makes the next one come
   * after `intervalMs` (the running tick may have read too early to see the new work). Does nothing
   * on a fixed-interval worker, before start() or after stop().
   */
  wake(): void {
    if (!this.options.nextDueAt || !this.started || this.isStopped) return;
    if (this.running) {
      this.wokenWhileRunning = true;
      return;
    }
    this.armAt(Math.max(Date.now(), this.lastStartedAt + this.options.intervalMs));
  }

  /**
   * Runs a tick now (a wake-up, or tests that drive time themselves). A fixed-interval schedule is
   * not moved by it; a due-driven one is planned again from its result.
   * Resolves to the work's result, or undefined when it failed or the worker is stopped.
   */
  tick(): Promise<T | undefined> {
    if (this.running || this.isStopped) return this.running ?? Promise.resolve(undefined);
    this.lastStartedAt = Date.now();
    let work: Promise<T>;
    try {
      work = this.options.run();
    } catch (err) {
      // A run that throws before its first await must not escape the timer callback.
      work = Promise.reject(err);
    }
    let failed = false;
    this.running = work
      .catch((err: unknown) => {
        failed = true;
        this.options.logger.warn({ err: (err as Error | undefined)?.message }, `${this.options.name} failed; retrying on the next tick`);
        return undefined;
      })
      .then((result) => {
        this.running = undefined;
        if (this.options.nextDueAt && this.started) this.planAfter(failed ? undefined : { result: result as T });
        return result;
      });
    return this.running;
  }

  /** Stops scheduling and resolves once the running tick (if any) has finished. */
  async stop(): Promise<void> {
    this.isStopped = true;
    this.disarm();
    await this.running;
  }

  /** After a due-driven tick: the next one at its work's next due time, within the interval bounds. */
  private planAfter(outcome: { result: T } | undefined): void {
    if (this.isStopped) return;
    const { intervalMs, maxIntervalMs = intervalMs, nextDueAt } = this.options;
    const earliest = this.lastStartedAt + intervalMs;
    let due: number | undefined = earliest; // failed, or woken while running: as soon as allowed
    if (outcome && !this.wokenWhileRunning) {
      try {
        due = nextDueAt!(outcome.result);
      } catch (err) {
        this.options.logger.warn({ err: (err as Error | undefined)?.message }, `${this.options.name}: next due time unknown; ticking after the interval`);
      }
    }
    this.wokenWhileRunning = false;
    this.disarm();
    this.armAt(Math.max(earliest, Math.min(due ?? Infinity, Date.now() + maxIntervalMs)));
  }

  /** Arms the timer for `at` unless one is already armed for that time or earlier. */
  private armAt(at: number): void {
    if (this.isStopped || this.armedAt <= at) return;
    this.disarm();
    this.armedAt = at;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.armedAt = Infinity;
      void this.tick();
    }, Math.max(0, at - Date.now()));
    this.handle.unref();
  }

  private disarm(): void {
    if (this.handle) clearTimeout(this.handle); // clears an interval as well
    this.handle = undefined;
    this.armedAt = Infinity;
  }
}

/** What tells a due-driven worker about new work: UnitOfWork.onCommitted (structural, no DB import here). */
export interface CommitNotifier {
  onCommitted(listener: () => void): () => void;
}

/**
 * Wakes a due-driven worker after every commit of its service (except quiet ones: its own) and
 * every jump of a test clock. Returns the unsubscribe function, for shutdown.
 */
export function wakeOnWrites(worker: Pick<PeriodicWorker<never>, 'wake'>, commits: CommitNotifier, clock: Clock): () => void {
  const wake = () => worker.wake();
  const unsubscribe = [commits.onCommitted(wake), clock.onJump?.(wake)];
  return () => unsubscribe.forEach((stop) => stop?.());
}

/** `nextDueAt` for work that reports how long until it is next due (ms), or undefined for never. */
export function dueInMsFromNow(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Date.now() + ms;
}
