import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { dueInMsFromNow, PeriodicWorker, wakeOnWrites } from '@omni/service-kit';
import { CLOCK, type Clock } from '../domain/clock';
import { ruleFor } from '../domain/rules';
import { OutboundGate } from '../gate';
import { SETTINGS, type WindowPolicySettings } from '../settings';
import { claimDueTimers, nextTimerDue, pruneFiredTimers } from './timer-store';
import { fireExpiring } from './expiring';

const BATCH = 100;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_FIRED_MS = 7 * 24 * 3_600_000;
/**
 * Longest sleep between polls. The worker otherwise sleeps until the earliest pending timer and is
 * woken by this replica's own commits (which may have scheduled an earlier one); this bounds how
 * late a timer scheduled by another replica that died before firing it can be.
 */
export const TIMER_IDLE_POLL_MS = 30_000;

/**
 * Fires due timers: each batch is claimed (FOR UPDATE SKIP LOCKED), fired (outbox rows) and marked
 * in one transaction, so any number of replicas can poll side by side and a timer fires once,
 * restarts included.
 *
 * Due-driven rather than a fixed poll: after a drain it sleeps until the earliest pending timer (at
 * most TIMER_IDLE_POLL_MS), and any commit of this service wakes it (a handler may have scheduled
 * an earlier timer). WINDOW_POLICY_TIMER_POLL_MS is the shortest gap between two polls, i.e. how
 * late a timer may fire. An idle replica runs one poll every 30 s instead of one a second.
 */
@Injectable()
export class TimerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly instance = randomUUID();
  private readonly worker: PeriodicWorker<number | undefined>;
  private lastPrune = 0;
  private stopWaking?: () => void;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly gate: OutboundGate,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.worker = new PeriodicWorker<number | undefined>({
      run: () => this.drain(),
      intervalMs: settings.timerPollMs,
      maxIntervalMs: Math.max(settings.timerPollMs, TIMER_IDLE_POLL_MS),
      nextDueAt: dueInMsFromNow,
      name: 'timer poll',
      logger,
    });
  }

  onApplicationBootstrap(): void {
    this.stopWaking = wakeOnWrites(this.worker, this.uow, this.clock);
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWaking?.();
    await this.worker.stop();
  }

  /** One poll; overlapping ticks are skipped. Public for tests that drive time themselves. */
  async tick(): Promise<void> {
    await this.worker.tick();
  }

  /** Fires what is due; resolves to how long until the next pending timer is due (ms), if any. */
  private async drain(): Promise<number | undefined> {
    const fired = this.metrics.counter('omni_window_policy_timers_fired_total', 'Durable timers fired, by kind and effect', ['kind', 'effect']);
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.uow.run((manager) => pruneFiredTimers(manager, new Date(this.clock.now().getTime() - KEEP_FIRED_MS)), { quiet: true });
    }
    for (;;) {
      const now = this.clock.now();
      const { count, next } = await this.uow.run(async (manager, outbox) => {
        const due = await claimDueTimers(manager, now, this.instance, BATCH);
        for (const timer of due) {
          // A timer that cannot fire (an undecodable payload) must not hold back every other one:
          // its own work is rolled back to the savepoint, it stays marked fired, and it is logged.
          await manager.query('SAVEPOINT timer');
          try {
            if (timer.kind === 'window-expiring') {
              const sent = await fireExpiring(manager, outbox, timer, ruleFor, now);
              fired.inc({ kind: timer.kind, effect: sent ? 'published' : 'stale' });
            } else if (timer.kind === 'release-deferred') {
              const decision = await this.gate.release(manager, outbox, timer.payload, now);
              fired.inc({ kind: timer.kind, effect: decision.outcome });
            }
            await manager.query('RELEASE SAVEPOINT timer');
          } catch (err) {
            await manager.query('ROLLBACK TO SAVEPOINT timer');
            fired.inc({ kind: timer.kind, effect: 'failed' });
            this.logger.error({ timerId: timer.id, kind: timer.kind, err: (err as Error).message }, 'timer could not fire; dropped');
          }
        }
        // The last batch also says when to look again (it sees the timers it just scheduled).
        return { count: due.length, next: due.length < BATCH ? await nextTimerDue(manager) : null };
      }, { quiet: true }); // its own commits must not wake it again
      if (this.worker.stopped) return undefined;
      if (count < BATCH) return next ? next.getTime() - this.clock.now().getTime() : undefined;
    }
  }
}
