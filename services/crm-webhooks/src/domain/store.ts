import type { EntityManager } from 'typeorm';
import { schemaOf } from '@omni/persistence';
import type { StoredCloudEvent } from './cloud-event';

/** SQL over schema crm_webhooks (raw: claims and head-of-line selection are set-based). */
export type SubscriptionStatus = 'active' | 'disabled';

export interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  secret: string;
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  disabled_at: Date | null;
  last_success_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_seq: string;
  ordering_key: string;
  origin: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
  event_id: string;
  ce_type: string;
  payload: StoredCloudEvent;
}

export interface NewEvent {
  eventId: string;
  topic: string;
  ceType: string;
  orderingKey: string;
  contactId?: string;
  occurredAt: Date;
  payload: StoredCloudEvent;
}

/** An event to log, with the time this service received it. */
export interface ReceivedEvent extends NewEvent {
  receivedAt: Date;
}

/**
 * Appends events to the replay log, in the given order, and queues a live delivery for every
 * active subscription to each one's type. One statement for all of them (a consumed batch costs
 * one round trip, not one per event). An event id logged already (a producer retry under the same
 * CloudEvents id) is skipped, and so are its deliveries. Returns how many were new.
 */
export async function recordEvents(manager: EntityManager, events: readonly ReceivedEvent[]): Promise<number> {
  if (!events.length) return 0;
  const s = schemaOf(manager);
  const column = <T>(pick: (e: ReceivedEvent) => T): T[] => events.map(pick);
  const [row] = (await manager.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::jsonb[])
         WITH ORDINALITY AS t(event_id, topic, ce_type, ordering_key, contact_id, occurred_at, received_at, payload, i)
     ), logged AS (
       INSERT INTO "${s}".events (event_id, topic, ce_type, ordering_key, contact_id, occurred_at, received_at, payload)
       SELECT event_id, topic, ce_type, ordering_key, contact_id, occurred_at, received_at, payload FROM input ORDER BY i
       ON CONFLICT (event_id) DO NOTHING RETURNING seq, ce_type, ordering_key, occurred_at, received_at
     ), queued AS (
       INSERT INTO "${s}".deliveries (subscription_id, event_seq, ordering_key, occurred_at, origin, state, next_attempt_at, created_at)
       SELECT sub.id, logged.seq, logged.ordering_key, logged.occurred_at, 'live', 'pending', logged.received_at, logged.received_at
         FROM logged JOIN "${s}".subscriptions sub ON sub.status = 'active' AND logged.ce_type = ANY(sub.event_types)
     )
     SELECT count(*)::int AS logged FROM logged`,
    [
      column((e) => e.eventId),
      column((e) => e.topic),
      column((e) => e.ceType),
      column((e) => e.orderingKey),
      column((e) => e.contactId ?? null),
      column((e) => e.occurredAt),
      column((e) => e.receivedAt),
      column((e) => JSON.stringify(e.payload)),
    ],
  )) as Array<{ logged: number }>;
  return row?.logged ?? 0;
}

/**
 * The head of each active (subscription, ordering key) line: its earliest pending delivery by event
 * time, then sequence. One query for the claim and for the next due time, so both see the same heads.
 */
function lineHeads(s: string): string {
  return `SELECT DISTINCT ON (d.subscription_id, d.ordering_key) d.id, d.next_attempt_at, d.lease_until, d.created_at
         FROM "${s}".deliveries d JOIN "${s}".subscriptions sub ON sub.id = d.subscription_id AND sub.status = 'active'
        WHERE d.state = 'pending'
        ORDER BY d.subscription_id, d.ordering_key, d.occurred_at, d.event_seq, d.id`;
}

/**
 * Claims up to `limit` deliveries that may be attempted now: for each (subscription, ordering key)
 * only the head — the earliest pending delivery by event time, then sequence — so a conversation's
 * events reach a subscriber one at a time and in order; a head retrying holds back its followers.
 * Dead-lettered deliveries no longer block. A claim is a lease (another replica skips leased rows),
 * so a crash mid-send only delays the delivery until the lease ends.
 */
export async function claimDue(manager: EntityManager, now: Date, options: { limit: number; settleMs: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
  const s = schemaOf(manager);
  const rows: ClaimedDelivery[] = await manager.query(
    `WITH heads AS (${lineHeads(s)}), due AS (
       SELECT id FROM heads
        WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) AND created_at <= $2
        ORDER BY next_attempt_at LIMIT $3
     ), claimed AS (
       UPDATE "${s}".deliveries d SET lease_until = $4
         FROM due WHERE d.id = due.id AND d.state = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $1)
       RETURNING d.*
     )
     SELECT c.*, sub.url, sub.secret, e.event_id, e.ce_type, e.payload
       FROM claimed c JOIN "${s}".subscriptions sub ON sub.id = c.subscription_id JOIN "${s}".events e ON e.seq = c.event_seq`,
    [now, new Date(now.getTime() - options.settleMs), options.limit, new Date(now.getTime() + options.leaseMs)],
  );
  return rows.map((r) => ({ ...r, id: String(r.id), event_seq: String(r.event_seq) }));
}

/**
 * When the next delivery becomes claimable: the earliest, over the head of each active line, of
 * its retry time, lease end and settle time (the claim's own conditions); null when nothing is
 * pending. Lines behind a head that waits are not counted: they cannot go before it.
 */
export async function nextDeliveryDue(manager: EntityManager, settleMs: number): Promise<Date | null> {
  const s = schemaOf(manager);
  const [row] = (await manager.query(
    `SELECT min(GREATEST(h.next_attempt_at, COALESCE(h.lease_until, h.next_attempt_at), h.created_at + $1 * interval '1 millisecond')) AS due
       FROM (${lineHeads(s)}) h`,
    [settleMs],
  )) as Array<{ due: Date | null }>;
  return row?.due ?? null;
}

export async function markDelivered(manager: EntityManager, delivery: Pick<DeliveryRow, 'id' | 'subscription_id'>, status: number, now: Date): Promise<void> {
  const s = schemaOf(manager);
  await manager.query(
    `UPDATE "${s}".deliveries SET state = 'delivered', attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $2),
       last_status = $3, last_error = NULL, delivered_at = $2, lease_until = NULL WHERE id = $1 AND state = 'pending'`,
    [delivery.id, now, status],
  );
  await manager.query(`UPDATE "${s}".subscriptions SET last_success_at = $2 WHERE id = $1`, [delivery.subscription_id, now]);
}

export interface FailureOutcome {
  state: 'retrying' | 'dead';
  firstAttemptAt: Date;
  attempts: number;
  /** Set when dead: whether the subscription had no success since this delivery began failing. */
  failingSinceFirstAttempt?: boolean;
}

/** Records a failed attempt: retry at `nextAttemptAt`, or dead-letter when `dead`. */
export async function markFailed(
  manager: EntityManager,
  delivery: Pick<DeliveryRow, 'id' | 'subscription_id'>,
  failure: { status: number | null; error: string; now: Date; nextAttemptAt?: Date },
): Promise<void> {
  const s = schemaOf(manager);
  await manager.query(
    `UPDATE "${s}".deliveries SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $2), last_status = $3, last_error = $4,
       lease_until = NULL, state = CASE WHEN $5::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
       next_attempt_at = COALESCE($5::timestamptz, next_attempt_at), dead_at = CASE WHEN $5::timestamptz IS NULL THEN $2 END
     WHERE id = $1 AND state = 'pending'`,
    [delivery.id, failure.now, failure.status, failure.error.slice(0, 500), failure.nextAttemptAt ?? null],
  );
}

export async function disableSubscription(manager: EntityManager, id: string, reason: string, now: Date): Promise<number> {
  const s = schemaOf(manager);
  await manager.query(`UPDATE "${s}".subscriptions SET status = 'disabled', disabled_reason = $2, disabled_at = $3, updated_at = $3 WHERE id = $1`, [id, reason, now]);
  const [row]: Array<{ n: number }> = await manager.query(`SELECT count(*)::int AS n FROM "${s}".deliveries WHERE subscription_id = $1 AND state = 'dead'`, [id]);
  return row?.n ?? 0;
}

export async function findSubscription(manager: EntityManager, id: string, lock = false): Promise<SubscriptionRow | undefined> {
  const s = schemaOf(manager);
  const [row]: SubscriptionRow[] = await manager.query(`SELECT * FROM "${s}".subscriptions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row;
}

export async function listSubscriptions(manager: EntityManager, limit: number): Promise<SubscriptionRow[]> {
  return manager.query(`SELECT * FROM "${schemaOf(manager)}".subscriptions ORDER BY created_at, id LIMIT $1`, [limit]);
}

export async function insertSubscription(manager: EntityManager, row: Omit<SubscriptionRow, 'disabled_reason' | 'disabled_at' | 'last_success_at'>): Promise<void> {
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".subscriptions (id, url, event_types, secret, description, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.id, row.url, row.event_types, row.secret, row.description, row.status, row.created_at, row.updated_at],
  );
}

export async function updateSubscription(
  manager: EntityManager,
  id: string,
  changes: { url?: string; eventTypes?: string[]; description?: string | null; status?: SubscriptionStatus },
  now: Date,
): Promise<void> {
  const s = schemaOf(manager);
  await manager.query(
    `UPDATE "${s}".subscriptions SET url = COALESCE($2, url), event_types = COALESCE($3, event_types),
       description = CASE WHEN $4::boolean THEN $5 ELSE description END, status = COALESCE($6, status),
       disabled_reason = CASE WHEN $6 = 'active' THEN NULL ELSE disabled_reason END,
       disabled_at = CASE WHEN $6 = 'active' THEN NULL ELSE disabled_at END, updated_at = $7
     WHERE id = $1`,
    [id, changes.url ?? null, changes.eventTypes ?? null, changes.description !== undefined, changes.description ?? null, changes.status ?? null, now],
  );
}

export async function deleteSubscription(manager: EntityManager, id: string): Promise<boolean> {
  const [, affected]: [unknown, number] = await manager.query(`DELETE FROM "${schemaOf(manager)}".subscriptions WHERE id = $1`, [id]);
  return affected > 0;
}

export interface DeadLetterRow extends DeliveryRow {
  event_id: string;
  ce_type: string;
}

export async function listDeadLetters(manager: EntityManager, subscriptionId: string, afterId: string | undefined, limit: number): Promise<DeadLetterRow[]> {
  const s = schemaOf(manager);
  const rows: DeadLetterRow[] = await manager.query(
    `SELECT d.*, e.event_id, e.ce_type FROM "${s}".deliveries d JOIN "${s}".events e ON e.seq = d.event_seq
      WHERE d.subscription_id = $1 AND d.state = 'dead' AND d.id > $2 ORDER BY d.id LIMIT $3`,
    [subscriptionId, afterId ?? '0', limit],
  );
  return rows.map((r) => ({ ...r, id: String(r.id), event_seq: String(r.event_seq) }));
}

/** Puts dead-lettered deliveries back in line (all of the subscription's, or the ones given). */
export async function redeliver(manager: EntityManager, subscriptionId: string, deliveryIds: string[] | undefined, now: Date): Promise<number> {
  const s = schemaOf(manager);
  const [, affected]: [unknown, number] = await manager.query(
    `UPDATE "${s}".deliveries SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = $2, lease_until = NULL, dead_at = NULL
      WHERE subscription_id = $1 AND state = 'dead' AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))`,
    [subscriptionId, now, deliveryIds ?? null],
  );
  return affected;
}

/**
 * Queues the subscription's event types again from a cursor (after that sequence) or a time (at or
 * after it), oldest first, at most `limit`; returns how many and the last sequence queued (the
 * cursor to continue from when the limit was reached). Replayed deliveries keep the event's
 * webhook-id, so an idempotent receiver stays idempotent.
 */
export async function replay(
  manager: EntityManager,
  subscription: Pick<SubscriptionRow, 'id' | 'event_types'>,
  from: { afterSeq?: string; since?: Date },
  origin: string,
  limit: number,
  now: Date,
): Promise<{ queued: number; lastSeq?: string; more: boolean }> {
  const s = schemaOf(manager);
  const rows: Array<{ seq: string }> = await manager.query(
    `SELECT seq FROM "${s}".events WHERE ce_type = ANY($1) AND seq > $2 AND ($3::timestamptz IS NULL OR occurred_at >= $3) ORDER BY seq LIMIT $4`,
    [subscription.event_types, from.afterSeq ?? '0', from.since ?? null, limit + 1],
  );
  const chosen = rows.slice(0, limit).map((r) => String(r.seq));
  if (chosen.length) {
    await manager.query(
      `INSERT INTO "${s}".deliveries (subscription_id, event_seq, ordering_key, occurred_at, origin, state, next_attempt_at, created_at)
       SELECT $1, e.seq, e.ordering_key, e.occurred_at, $2, 'pending', $3, $3 FROM "${s}".events e WHERE e.seq = ANY($4::bigint[])
       ON CONFLICT (subscription_id, event_seq, origin) DO NOTHING`,
      [subscription.id, origin, now, chosen],
    );
  }
  return { queued: chosen.length, lastSeq: chosen.at(-1), more: rows.length > limit };
}

/** Erasure: the contact's logged events (and their deliveries) go, except the erasure notice itself. */
export async function purgeContact(manager: EntityManager, contactId: string, conversationIds: string[], keepEventId: string): Promise<number> {
  const s = schemaOf(manager);
  const [, affected]: [unknown, number] = await manager.query(
    `DELETE FROM "${s}".events WHERE event_id <> $3 AND (contact_id = $1 OR ordering_key = $1 OR ordering_key = ANY($2::text[]))`,
    [contactId, conversationIds, keepEventId],
  );
  return affected;
}

/** Retention: events older than the cutoff, with their deliveries (cascade). Bounded per call. */
export async function pruneEvents(manager: EntityManager, before: Date, batch: number): Promise<number> {
  const s = schemaOf(manager);
  const [, affected]: [unknown, number] = await manager.query(
    `DELETE FROM "${s}".events WHERE seq IN (SELECT seq FROM "${s}".events WHERE occurred_at < $1 ORDER BY seq LIMIT $2)`,
    [before, batch],
  );
  return affected;
}

/** Gauges: pending and dead deliveries per subscription status. */
export async function deliveryCounts(manager: EntityManager): Promise<{ pending: number; dead: number; disabled: number }> {
  const s = schemaOf(manager);
  const [row]: Array<{ pending: number; dead: number; disabled: number }> = await manager.query(
    `SELECT (SELECT count(*)::int FROM "${s}".deliveries WHERE state = 'pending') AS pending,
            (SELECT count(*)::int FROM "${s}".deliveries WHERE state = 'dead') AS dead,
            (SELECT count(*)::int FROM "${s}".subscriptions WHERE status = 'disabled') AS disabled`,
  );
  return row ?? { pending: 0, dead: 0, disabled: 0 };
}
