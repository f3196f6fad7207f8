import { ManualClock, systemClock } from './clock';
import { dueInMsFromNow, PeriodicWorker, wakeOnWrites, type PeriodicWorkerLogger } from './periodic-worker';

const INTERVAL = 1_000;

/** A promise the test settles by hand, to hold a tick open. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PeriodicWorker', () => {
  let logger: PeriodicWorkerLogger & { warn: jest.Mock };
  let workers: PeriodicWorker<unknown>[];

  function worker<T>(run: () => Promise<T>): PeriodicWorker<T> {
    const created = new PeriodicWorker<T>({ run, intervalMs: INTERVAL, name: 'test poll', logger });
    workers.push(created as PeriodicWorker<unknown>);
    return created;
  }

  beforeEach(() => {
    jest.useFakeTimers();
    logger = { warn: jest.fn() };
    workers = [];
  });

  afterEach(async () => {
    for (const created of workers) {
      const stopping = created.stop();
      await jest.runOnlyPendingTimersAsync();
      await stopping;
    }
    jest.useRealTimers();
  });

  it('runs once per interval after start, not before', async () => {
    const run = jest.fn(async () => undefined);
    worker(run).start();

    await jest.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(run).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(2 * INTERVAL);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('starts once however often start() is called', async () => {
    const run = jest.fn(async () => undefined);
    const poller = worker(run);
    poller.start();
    poller.start();

    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('unrefs its timer so it never keeps the process alive', () => {
    const unref = jest.fn();
    const spy = jest.spyOn(global, 'setInterval').mockReturnValue({ unref } as unknown as NodeJS.Timeout);
    try {
      worker(async () => undefined).start();
      expect(unref).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('never overlaps ticks: intervals that fire while one runs start nothing', async () => {
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    const run = jest.fn(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await gate.promise;
      active--;
    });
    worker(run).start();

    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(run).toHaveBeenCalledTimes(1);

    gate.resolve();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
  });

  it('tick() runs at once (the wake-up entry point) and resolves to the work result', async () => {
    const run = jest.fn(async () => 42);
    const poller = worker(run);
    poller.start();

    await expect(poller.tick()).resolves.toBe(42);
    expect(run).toHaveBeenCalledTimes(1);
    // The schedule is not moved by a manual tick.
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('tick() works before start(), as tests that drive time themselves rely on', async () => {
    const run = jest.fn(async () => 'done');
    await expect(worker(run).tick()).resolves.toBe('done');
  });

  it('tick() while a tick runs returns the running one instead of starting another', async () => {
    const gate = deferred<string>();
    const run = jest.fn(() => gate.promise);
    const poller = worker(run);

    const first = poller.tick();
    const second = poller.tick();
    expect(second).toBe(first);
    expect(run).toHaveBeenCalledTimes(1);

    gate.resolve('result');
    await expect(second).resolves.toBe('result');
    await expect(first).resolves.toBe('result');
  });

  it('logs a failing tick with the error message only and runs the next tick', async () => {
    const run = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(Object.assign(new Error('connection reset'), { detail: 'Key (phone)=(+15551234567) already exists' }))
      .mockResolvedValue('ok');
    const poller = worker(run);
    poller.start();

    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith({ err: 'connection reset' }, 'test poll failed; retrying on the next tick');

    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(run).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('a failing tick resolves to undefined rather than rejecting', async () => {
    const poller = worker(async () => {
      throw new Error('boom');
    });
    await expect(poller.tick()).resolves.toBeUndefined();
  });

  it('a run that throws synchronously is logged like any other failure', async () => {
    const poller = worker((): Promise<void> => {
      throw new Error('sync boom');
    });
    await expect(poller.tick()).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith({ err: 'sync boom' }, 'test poll failed; retrying on the next tick');
  });

  it('a non-Error rejection is logged without its value', async () => {
    const poller = worker(() => Promise.reject(null));
    await expect(poller.tick()).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith({ err: undefined }, 'test poll failed; retrying on the next tick');
  });

  it('stop() awaits the running tick', async () => {
    const gate = deferred();
    const poller = worker(() => gate.promise);
    poller.start();
    await jest.advanceTimersByTimeAsync(INTERVAL);

    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    expect(poller.stopped).toBe(true);

    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('stop() without a running tick resolves at once', async () => {
    const poller = worker(async () => undefined);
    poller.start();
    await expect(poller.stop()).resolves.toBeUndefined();
  });

  it('no tick runs after stop(): neither scheduled nor manual, and start() does not revive it', async () => {
    const run = jest.fn(async () => 'x');
    const poller = worker(run);
    poller.start();
    await poller.stop();

    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    await expect(poller.tick()).resolves.toBeUndefined();
    poller.start();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(run).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('tick() during stop() shares the running tick rather than starting one', async () => {
    const gate = deferred<string>();
    const run = jest.fn(() => gate.promise);
    const poller = worker(run);
    const running = poller.tick();

    const stopping = poller.stop();
    expect(poller.tick()).toBe(running);
    gate.resolve('last');
    await stopping;
    await expect(running).resolves.toBe('last');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('exposes stopped so a long drain can end between batches', async () => {
    const batches: number[] = [];
    const gate = deferred();
    const poller: PeriodicWorker = worker(async () => {
      for (let batch = 0; batch < 10 && !poller.stopped; batch++) {
        batches.push(batch);
        if (batch === 1) await gate.promise;
      }
    });

    const running = poller.tick();
    const stopping = poller.stop();
    gate.resolve();
    await Promise.all([running, stopping]);
    expect(batches).toEqual([0, 1]);
  });

  describe('due-driven (nextDueAt)', () => {
    const MAX = 30_000;
    function dueWorker<T>(run: () => Promise<T>, nextDueAt: (result: T) => number | undefined): PeriodicWorker<T> {
      const created = new PeriodicWorker<T>({ run, intervalMs: INTERVAL, maxIntervalMs: MAX, nextDueAt, name: 'due poll', logger });
      workers.push(created as PeriodicWorker<unknown>);
      return created;
    }

    it('refuses a due-driven worker without a longest sleep', () => {
      expect(() => new PeriodicWorker({ run: async () => 1, intervalMs: INTERVAL, nextDueAt: () => undefined, name: 'x', logger })).toThrow(/maxIntervalMs/);
      expect(() => new PeriodicWorker({ run: async () => 1, intervalMs: INTERVAL, maxIntervalMs: INTERVAL - 1, nextDueAt: () => undefined, name: 'x', logger })).toThrow(/maxIntervalMs/);
    });

    it('sleeps maxIntervalMs while nothing is due, instead of ticking every interval', async () => {
      const run = jest.fn(async () => undefined);
      dueWorker(run, () => undefined).start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      expect(run).toHaveBeenCalledTimes(1); // the first tick, one interval after start
      await jest.advanceTimersByTimeAsync(MAX - 1);
      expect(run).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(run).toHaveBeenCalledTimes(2);
    });

    it('ticks at the due time the work reported', async () => {
      const run = jest.fn(async () => Date.now() + 5_000);
      dueWorker(run, (due) => due).start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      expect(run).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(4_999);
      expect(run).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(run).toHaveBeenCalledTimes(2);
    });

    it('never ticks sooner than the interval, even for work already due', async () => {
      const run = jest.fn(async () => 0); // due in the past
      dueWorker(run, (due) => due).start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await jest.advanceTimersByTimeAsync(INTERVAL - 1);
      expect(run).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(run).toHaveBeenCalledTimes(2);
    });

    it('wake() brings the next tick forward to one interval after the last one', async () => {
      const run = jest.fn(async () => undefined);
      const poller = dueWorker(run, () => undefined);
      poller.start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await jest.advanceTimersByTimeAsync(5_000);
      poller.wake(); // well past the interval: at once
      await jest.advanceTimersByTimeAsync(0);
      expect(run).toHaveBeenCalledTimes(2);

      poller.wake(); // right after a tick: one interval after it started
      poller.wake();
      await jest.advanceTimersByTimeAsync(INTERVAL - 1);
      expect(run).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(run).toHaveBeenCalledTimes(3);
    });

    it('a wake during a tick makes the next tick come one interval later, whatever the work said', async () => {
      const gate = deferred();
      let calls = 0;
      const run = jest.fn(async () => {
        if (++calls === 1) await gate.promise;
      });
      const poller = dueWorker(run, () => undefined);
      poller.start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      poller.wake(); // new work committed while the tick was reading
      gate.resolve();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      expect(run).toHaveBeenCalledTimes(2);
    });

    it('retries a failed tick after the interval and logs it', async () => {
      let calls = 0;
      const run = jest.fn(async () => {
        if (++calls === 1) throw new Error('db down');
      });
      dueWorker(run, () => undefined).start();
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await jest.advanceTimersByTimeAsync(INTERVAL);
      expect(run).toHaveBeenCalledTimes(2);
      expect(logger.warn).toHaveBeenCalledWith({ err: 'db down' }, 'due poll failed; retrying on the next tick');
    });

    it('a throwing nextDueAt is logged and the worker keeps ticking', async () => {
      const run = jest.fn(async () => undefined);
      dueWorker(run, () => {
        throw new Error('bad row');
      }).start();
      await jest.advanceTimersByTimeAsync(2 * INTERVAL);
      expect(run).toHaveBeenCalledTimes(2);
      expect(logger.warn).toHaveBeenCalledWith({ err: 'bad row' }, 'due poll: next due time unknown; ticking after the interval');
    });

    it('wake() does nothing before start(), after stop(), or on a fixed-interval worker', async () => {
      const run = jest.fn(async () => undefined);
      const due = dueWorker(run, () => undefined);
      due.wake();
      const fixed = worker(run);
      fixed.start();
      fixed.wake();
      await jest.advanceTimersByTimeAsync(INTERVAL - 1);
      expect(run).not.toHaveBeenCalled();
      due.start();
      await due.stop();
      due.wake();
      await jest.advanceTimersByTimeAsync(10 * INTERVAL);
      expect(run).toHaveBeenCalledTimes(10); // the fixed one only
    });
  });

  describe('wakeOnWrites / dueInMsFromNow', () => {
    it('wakes the worker on every commit and every clock jump until unsubscribed', () => {
      const listeners = new Set<() => void>();
      const commits = { onCommitted: (l: () => void) => (listeners.add(l), () => void listeners.delete(l)) };
      const worker = { wake: jest.fn() };
      const clock = new ManualClock();
      const stop = wakeOnWrites(worker, commits, clock);
      listeners.forEach((l) => l());
      clock.advance(1);
      expect(worker.wake).toHaveBeenCalledTimes(2);
      stop();
      listeners.forEach((l) => l());
      clock.advance(1);
      expect(worker.wake).toHaveBeenCalledTimes(2);
      expect(listeners.size).toBe(0);
      expect(() => wakeOnWrites(worker, commits, systemClock)()).not.toThrow(); // a clock that never jumps
    });

    it('turns "due in ms" into an epoch time, and nothing due into undefined', () => {
      jest.setSystemTime(1_000_000);
      expect(dueInMsFromNow(250)).toBe(1_000_250);
      expect(dueInMsFromNow(undefined)).toBeUndefined();
    });
  });
});
