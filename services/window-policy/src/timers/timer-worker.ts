import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { PeriodicWorker } from '@omni/service-kit';
import { CLOCK, type Clock } from '../domain/clock';
import { ruleFor } from '../domain/rules';
import { OutboundGate } from '../gate';
import { SETTINGS, type WindowPolicySettings } from '../settings';
import { claimDueTimers, pruneFiredTimers } from './timer-store';
import { fireExpiring } from './expiring';

const BATCH = 100;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_FIRED_MS = 7 * 24 * 3_600_000;

/**
 * Polls PostgreSQL for due timers every WINDOW_POLICY_TIMER_POLL_MS and fires them: each batch is
 * claimed (FOR UPDATE SKIP LOCKED), fired (outbox rows) and marked in one transaction, so any
 * number of replicas can poll side by side and a timer fires once, restarts included.
 */
@Injectable()
export class TimerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly instance = randomUUID();
  private readonly worker: PeriodicWorker;
  private lastPrune = 0;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly gate: OutboundGate,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.worker = new PeriodicWorker({ run: () => this.drain(), intervalMs: settings.timerPollMs, name: 'timer poll', logger });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /** One poll; overlapping ticks are skipped. Public for tests that drive time themselves. */
  tick(): Promise<void> {
    return this.worker.tick();
  }

  private async drain(): Promise<void> {
    const fired = this.metrics.counter('omni_window_policy_timers_fired_total', 'Durable timers fired, by kind and effect', ['kind', 'effect']);
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.uow.run((manager) => pruneFiredTimers(manager, new Date(this.clock.now().getTime() - KEEP_FIRED_MS)));
    }
    for (;;) {
      const now = this.clock.now();
      const count = await this.uow.run(async (manager, outbox) => {
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
        return due.length;
      });
      if (count < BATCH || this.worker.stopped) return;
    }
  }
}
