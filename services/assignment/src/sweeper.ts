import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, PeriodicWorker, type Clock } from '@omni/service-kit';
import { lockAssignments } from './domain/engine';
import { observeAssignmentsWith } from './domain/observations';
import { sweep, type SweepResult } from './domain/sweep';
import { SETTINGS, type AssignmentSettings } from './settings';

/**
 * Runs the sweep every ASSIGNMENT_SWEEP_MS on every replica (the assignment lock serialises them;
 * each sweep acts on committed state, so running twice changes nothing twice).
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: PeriodicWorker<SweepResult>;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.worker = new PeriodicWorker({ run: () => this.sweepOnce(), intervalMs: settings.sweepMs, name: 'assignment sweep', logger });
  }

  onApplicationBootstrap(): void {
    const waits = this.metrics.histogram('omni_assignment_wait_seconds', 'Time from routing (or requeue) to assignment, per queue', ['queue'], [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]);
    const breaches = this.metrics.counter('omni_assignment_sla_breaches_total', 'SLA breaches per queue and target (first, next)', ['queue', 'kind']);
    const lockWaits = this.metrics.histogram(
      'omni_assignment_lock_wait_seconds',
      'Time a transaction waited for the assignment lock (matching is serial across replicas: docs/assignment.md)',
      [],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
    observeAssignmentsWith({
      assigned: (queue, seconds) => waits.observe({ queue }, seconds),
      slaBreached: (queue, kind) => breaches.inc({ queue, kind }),
      lockWaited: (seconds) => lockWaits.observe({}, seconds),
    });
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /**
   * omni_assignment_queue_depth: conversations waiting per queue, read after each sweep (one
   * GROUP BY on the queued rows' index). Queues that emptied drop out instead of keeping a stale value.
   */
  private async measureQueues(): Promise<void> {
    const rows = await this.uow.run((manager) =>
      manager.query(`SELECT queue, count(*)::int AS n FROM "${(manager.connection.options as { schema: string }).schema}".conversation_assignments WHERE state = 'queued' GROUP BY queue`),
    ) as Array<{ queue: string; n: number }>;
    const depth = this.metrics.gauge('omni_assignment_queue_depth', 'Conversations waiting for an agent, per queue', ['queue']);
    depth.reset();
    for (const { queue, n } of rows) depth.set({ queue }, n);
  }

  /** One sweep; overlapping ticks share the running one. Public for tests that drive the clock. */
  tick(): Promise<SweepResult | undefined> {
    return this.worker.tick();
  }

  private async sweepOnce(): Promise<SweepResult> {
    const result = await this.uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      return sweep(manager, outbox, { settings: this.settings, now: this.clock.now() });
    });
    const counter = this.metrics.counter('omni_assignment_sweep_effects_total', 'What the periodic sweep did', ['effect']);
    for (const [effect, n] of Object.entries(result)) if (n) counter.inc({ effect }, n);
    await this.measureQueues();
    return result;
  }
}
