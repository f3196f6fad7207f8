import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { create, timestampFromDate, Topics, WebhookSubscriptionDisabledSchema } from '@omni/contracts';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork, type OutboxWriter } from '@omni/persistence';
import { dueInMsFromNow, PeriodicWorker, wakeOnWrites } from '@omni/service-kit';
import { backoffDelayMs } from './domain/backoff';
import { CLOCK, type Clock } from './domain/clock';
import { sendEvent, type SendResult } from './domain/sender';
import { claimDue, deliveryCounts, nextDeliveryDue, disableSubscription, findSubscription, markDelivered, markFailed, pruneEvents, type ClaimedDelivery } from './domain/store';
import { RANDOM, SETTINGS, type WebhookSettings } from './settings';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 5_000;
/** The backlog gauges are recounted at most this often while nothing is sent (a scrape is every 15 s or so). */
const IDLE_GAUGES_EVERY_MS = 10_000;
/**
 * Longest sleep between polls. The dispatcher otherwise sleeps until the next delivery is due and is
 * woken by this replica's commits (events fanned out into deliveries, API commands); this bounds
 * how long work written by another replica that died before sending it can wait.
 */
export const DISPATCH_IDLE_POLL_MS = 30_000;

/**
 * Sends due deliveries. Each poll claims the head delivery of up to WEBHOOK_MAX_IN_FLIGHT
 * (subscription, conversation) lines, sends them side by side, and records each outcome in its own
 * transaction: delivered; retried later (exponential backoff with jitter); or, once failing for
 * the whole retry window, dead-lettered — and the subscription disabled with
 * omni.webhook.disabled.v1 when nothing succeeded meanwhile. Any number of replicas poll side by
 * side (claims are leases).
 *
 * Due-driven: after a poll it sleeps until the next delivery is due (a retry, a lease end, the
 * settle time of a new event; at most DISPATCH_IDLE_POLL_MS), and this service's commits wake it.
 * WEBHOOK_POLL_MS is the shortest gap between two polls. Its own transactions are quiet.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: PeriodicWorker<number | undefined>;
  private stopWaking?: () => void;
  private lastPrune = 0;
  private lastGauges = 0;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(SETTINGS) private readonly settings: WebhookSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: () => number,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.worker = new PeriodicWorker<number | undefined>({
      run: () => this.drain(),
      intervalMs: settings.pollMs,
      maxIntervalMs: Math.max(settings.pollMs, DISPATCH_IDLE_POLL_MS),
      nextDueAt: dueInMsFromNow,
      name: 'webhook dispatch',
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

  /** One poll; overlapping ticks are skipped. */
  async tick(): Promise<void> {
    await this.worker.tick();
  }

  /** Sends what is due; resolves to how long until the next delivery is due (ms), if any. */
  private async drain(): Promise<number | undefined> {
    await this.prune();
    let sent = 0;
    let nextDue: number | undefined = 0; // after sending: as soon as the interval allows
    for (let round = 0; round < 100 && !this.worker.stopped; round++) {
      const now = this.clock.now();
      const { claimed, next } = await this.uow.run(async (manager) => {
        const claimed = await claimDue(manager, now, { limit: this.settings.maxInFlight, settleMs: this.settings.settleMs, leaseMs: this.settings.timeoutMs * 2 + 5_000 });
        // Nothing to send: the same transaction says when to look again.
        return { claimed, next: claimed.length ? null : await nextDeliveryDue(manager, this.settings.settleMs) };
      }, { quiet: true });
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      sent += claimed.length;
      if (claimed.length === 0) {
        nextDue = next ? next.getTime() - now.getTime() : undefined;
        break;
      }
      if (claimed.length < this.settings.maxInFlight) break; // sent some: look again after the interval
    }
    // An idle poll is two statements: the counts only change when something was sent (or, for
    // pending, when events arrive, which the next send or the idle refresh picks up).
    if (sent > 0 || Date.now() - this.lastGauges >= IDLE_GAUGES_EVERY_MS) await this.gauges();
    return nextDue;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const started = process.hrtime.bigint();
    const result = await sendEvent(delivery.url, delivery.secret, { ...delivery.payload, sequence: delivery.event_seq }, this.settings.timeoutMs);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const outcome = await this.uow.run((manager, outbox) => this.record(manager, outbox, delivery, result), { quiet: true });
    this.metrics
      .counter('omni_crm_webhooks_deliveries_total', 'Webhook delivery attempts by outcome and event type', ['outcome', 'event_type'])
      .inc({ outcome, event_type: delivery.ce_type });
    this.metrics
      .histogram('omni_crm_webhooks_attempt_seconds', 'Duration of one webhook attempt', ['outcome'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
      .observe({ outcome }, seconds);
    this.logger.info(
      { deliveryId: delivery.id, subscriptionId: delivery.subscription_id, eventType: delivery.ce_type, attempt: delivery.attempts + 1, status: result.status, outcome },
      'webhook attempt',
    );
  }

  private async record(manager: EntityManager, outbox: OutboxWriter, delivery: ClaimedDelivery, result: SendResult): Promise<'delivered' | 'retrying' | 'dead'> {
    const now = this.clock.now();
    if (result.ok) {
      await markDelivered(manager, delivery, result.status ?? 200, now);
      return 'delivered';
    }
    const firstAttemptAt = delivery.first_attempt_at ?? now;
    const gone = result.status === 410;
    const exhausted = now.getTime() - firstAttemptAt.getTime() >= this.settings.retry.windowMs;
    if (!gone && !exhausted) {
      const delay = backoffDelayMs(delivery.attempts + 1, this.settings.retry, this.random);
      await markFailed(manager, delivery, { status: result.status, error: result.error ?? 'failed', now, nextAttemptAt: new Date(now.getTime() + delay) });
      return 'retrying';
    }
    await markFailed(manager, delivery, { status: result.status, error: result.error ?? 'failed', now });
    const subscription = await findSubscription(manager, delivery.subscription_id, true);
    // Disable only when the endpoint failed throughout: a success on another conversation since
    // this delivery began failing means the endpoint works and this one event is the problem.
    const failingThroughout = !subscription?.last_success_at || subscription.last_success_at < firstAttemptAt;
    if (subscription?.status === 'active' && (gone || failingThroughout)) {
      const reason = gone ? 'gone' : 'retries-exhausted';
      const deadLetters = await disableSubscription(manager, subscription.id, reason, now);
      const id = randomUUID();
      outbox.add(
        Topics.webhookDisabled,
        subscription.id,
        create(WebhookSubscriptionDisabledSchema, {
          id,
          subscriptionId: subscription.id,
          endpointOrigin: new URL(subscription.url).origin,
          reason,
          detail: gone ? 'the endpoint answered 410 Gone' : `failing for ${Math.round((now.getTime() - firstAttemptAt.getTime()) / 3_600_000)} h, last: ${result.error ?? 'failed'}`,
          failingSince: timestampFromDate(firstAttemptAt),
          disabledAt: timestampFromDate(now),
          deadLetters,
        }),
        { id },
      );
      this.metrics.counter('omni_crm_webhooks_subscriptions_disabled_total', 'Subscriptions disabled after persistent failure', ['reason']).inc({ reason });
      this.logger.warn({ subscriptionId: subscription.id, reason, deadLetters }, 'webhook subscription disabled');
    }
    return 'dead';
  }

  private async gauges(): Promise<void> {
    this.lastGauges = Date.now();
    const counts = await this.uow.run((manager) => deliveryCounts(manager), { quiet: true });
    this.metrics.gauge('omni_crm_webhooks_pending_deliveries', 'Deliveries waiting to be sent or retried').set(counts.pending);
    this.metrics.gauge('omni_crm_webhooks_dead_letters', 'Deliveries in dead-letter lists').set(counts.dead);
    this.metrics.gauge('omni_crm_webhooks_disabled_subscriptions', 'Subscriptions disabled').set(counts.disabled);
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const before = new Date(this.clock.now().getTime() - this.settings.retentionMs);
    const removed = await this.uow.run((manager) => pruneEvents(manager, before, PRUNE_BATCH), { quiet: true });
    if (removed) this.logger.info({ removed }, 'webhook events past retention pruned');
  }
}
