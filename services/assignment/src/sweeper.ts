import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '@omni/service-kit';
import { lockAssignments } from './domain/engine';
import { sweep, type SweepResult } from './domain/sweep';
import { SETTINGS, type AssignmentSettings } from './settings';

/**
 * Runs the sweep every ASSIGNMENT_SWEEP_MS on every replica (the assignment lock serialises them;
 * each sweep acts on committed state, so running twice changes nothing twice).
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private handle?: NodeJS.Timeout;
  private running?: Promise<SweepResult | undefined>;
  private stopped = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.handle = setInterval(() => void this.tick(), this.settings.sweepMs);
    this.handle.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearInterval(this.handle);
    await this.running;
  }

  /** One sweep; overlapping ticks share the running one. Public for tests that drive the clock. */
  tick(): Promise<SweepResult | undefined> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve(undefined);
    this.running = this.uow
      .run(async (manager, outbox) => {
        await lockAssignments(manager);
        return sweep(manager, outbox, { settings: this.settings, now: this.clock.now() });
      })
      .then((result) => {
        const counter = this.metrics.counter('omni_assignment_sweep_effects_total', 'What the periodic sweep did', ['effect']);
        for (const [effect, n] of Object.entries(result)) if (n) counter.inc({ effect }, n);
        return result;
      })
      .catch((err: Error) => {
        this.logger.warn({ err: err.message }, 'assignment sweep failed; retrying on the next tick');
        return undefined;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
