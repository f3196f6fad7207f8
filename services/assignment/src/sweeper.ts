import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, dueInMsFromNow, PeriodicWorker, wakeOnWrites, type Clock } from '@omni/service-kit';
import { lockAssignments } from './domain/engine';
import { observeAssignmentsWith } from './domain/observations';
import { schemaOf } from './domain/store';
import { nextSweepDue, sweep, type SweepResult } from './domain/sweep';
import { SETTINGS, type AssignmentSettings } from './settings';

/** Longest sleep between sweeps (also the bound on lateness for work another replica wrote). */
export const SWEEP_IDLE_MS = 30_000;

/**
 * Runs the sweep on every replica (the assignment lock serialises them; each sweep acts on
 * committed state, so running twice changes nothing twice).
 *
 * Due-driven: after a sweep it sleeps until the sweep next has something to do (nextSweepDue: a
 * heartbeat deadline, a grace end, an offer expiry, an SLA warning or breach, or at once while
 * conversations are queued), at most SWEEP_IDLE_MS; any commit of this service wakes it (a new
 * conversation, an offer, a presence change), except heartbeats, which only move deadlines later.
 * ASSIGNMENT_SWEEP_MS is the shortest gap between sweeps. Every tick runs the whole sweep, so a
 * due time computed too late makes something at most SWEEP_IDLE_MS late, never skipped.
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: PeriodicWorker<{ result: SweepResult; dueInMs?: number }>;
  private stopWaking?: () => void;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.worker = new PeriodicWorker({
      run: () => this.sweepOnce(),
      intervalMs: settings.sweepMs,
      maxIntervalMs: Math.max(settings.sweepMs, SWEEP_IDLE_MS),
      nextDueAt: ({ dueInMs }) => dueInMsFromNow(dueInMs),
      name: 'assignment sweep',
      logger,
    });
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
    this.stopWaking = wakeOnWrites(this.worker, this.uow, this.clock);
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWaking?.();
    await this.worker.stop();
  }

  /**
   * omni_assignment_queue_depth: conversations waiting per queue, read in each sweep's transaction
   * (one GROUP BY on the queued rows' index). Queues that emptied drop out instead of keeping a
   * stale value.
   */
  private async queueDepths(manager: EntityManager): Promise<Array<{ queue: string; n: number }>> {
    return (await manager.query(
      `SELECT queue, count(*)::int AS n FROM "${schemaOf(manager)}".conversation_assignments WHERE state = 'queued' GROUP BY queue`,
    )) as Array<{ queue: string; n: number }>;
  }

  /** One sweep; overlapping ticks share the running one. Public for tests that drive the clock. */
  async tick(): Promise<SweepResult | undefined> {
    return (await this.worker.tick())?.result;
  }

  private async sweepOnce(): Promise<{ result: SweepResult; dueInMs?: number }> {
    const now = this.clock.now();
    // Quiet: the sweep's own commit must not wake the sweeper again.
    const { result, depths, due } = await this.uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      const ctx = { settings: this.settings, now };
      const result = await sweep(manager, outbox, ctx);
      return { result, depths: await this.queueDepths(manager), due: await nextSweepDue(manager, ctx) };
    }, { quiet: true });
    const counter = this.metrics.counter('omni_assignment_sweep_effects_total', 'What the periodic sweep did', ['effect']);
    for (const [effect, n] of Object.entries(result)) if (n) counter.inc({ effect }, n);
    const depth = this.metrics.gauge('omni_assignment_queue_depth', 'Conversations waiting for an agent, per queue', ['queue']);
    depth.reset();
    for (const { queue, n } of depths) depth.set({ queue }, n);
    return { result, dueInMs: due ? due.getTime() - now.getTime() : undefined };
  }
}
