/**
 * window-policy's durable timers on the run's real Kafka and PostgreSQL, with the service on a
 * ManualClock (the only test seam: production runs `windowPolicy` on the system clock):
 * - omni.window.expiring.v1 fires exactly once with two replicas polling the same timers table and
 *   one replica restarted between scheduling and firing;
 * - a marketing SMS in the recipient's quiet hours is deferred (omni.outbound.deferred.v1), then
 *   released as approved when quiet hours end in the recipient's zone (Paris here).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  Channel,
  create,
  Direction,
  MessagePurpose,
  MessageSchema,
  OutboundRequestedSchema,
  RejectionReason,
  timestampDate,
  timestampFromDate,
  Topics,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { startService, type RunningService } from '@omni/service-kit';
import { KafkaTap, testEnv, waitFor } from '@omni/testing';
import { ManualClock, windowPolicyWith } from '@omni/window-policy';
import { startOmni, type Omni } from './harness';

const HOUR = 3_600_000;

describe('window-policy durable timers (two replicas, a restart, a manual clock)', () => {
  const clock = new ManualClock(new Date());
  const definition = windowPolicyWith({ clock });
  let omni: Omni;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let replicaB: RunningService<never> | undefined;
  let db: Client;

  beforeAll(async () => {
    omni = await startOmni(['window-policy'], { WINDOW_POLICY_TIMER_POLL_MS: '100', WINDOW_POLICY_EXPIRING_LEAD_MINUTES: '60' }, { definitions: { 'window-policy': definition } });
    replicaB = (await startService(definition, { env: omni.env, waitForReadyMs: 90_000 })) as RunningService<never>;
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.windowExpiring, Topics.outboundDeferred, Topics.outboundApproved]).start();
    connection = new KafkaConnection({ brokers: testEnv().kafkaBrokers, service: 'e2e', topicPrefix: omni.prefix }, createLogger({ service: 'e2e', level: 'silent' }));
    publisher = new EventPublisher(connection);
    db = new Client({ connectionString: omni.databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await connection?.close();
    await tap?.stop();
    await replicaB?.close();
    await omni?.stop();
  }, 60_000);

  const customerMessage = (channel: Channel, userId: string, sentAt: Date) => {
    const conversationId = randomUUID();
    return create(MessageSchema, {
      id: randomUUID(),
      conversationId,
      channel,
      providerMessageId: `wamid.${randomUUID()}`,
      direction: Direction.INBOUND,
      sender: { channelUserId: userId },
      recipient: { channelUserId: '106540352242922' },
      providerTimestamp: timestampFromDate(sentAt),
      receivedAt: timestampFromDate(sentAt),
      content: { kind: { case: 'text', value: { text: 'hello' } } },
      contactId: randomUUID(),
      accountId: '106540352242922',
    });
  };
  const pendingTimer = async (subject: string) =>
    (await db.query(`SELECT id FROM window_policy.timers WHERE subject = $1 AND fired_at IS NULL`, [subject])).rows[0] as { id: string } | undefined;

  it('fires omni.window.expiring.v1 once, 60 min before the WhatsApp window closes, across two replicas and a restart', async () => {
    clock.set(new Date());
    const sentAt = new Date(clock.now().getTime() - HOUR);
    const first = customerMessage(Channel.WHATSAPP, '5215512345678', sentAt);
    await publisher.publish(Topics.messageNormalized, first.conversationId, first, { id: first.id });
    await waitFor(() => pendingTimer(`${Channel.WHATSAPP}:5215512345678:standard`), { timeoutMs: 30_000, description: 'expiring timer scheduled' });

    // Restart replica A between scheduling and firing: the timer lives in PostgreSQL, not in memory.
    await omni.services['window-policy']!.close();
    omni.services['window-policy'] = (await startService(definition, { env: omni.env, waitForReadyMs: 90_000 })) as RunningService<never>;

    // Just past the due time (closes at sentAt + 24 h, lead 60 min): both replicas race for it.
    clock.set(new Date(sentAt.getTime() + 23 * HOUR + 1000));
    const expiring = await tap.waitFor(Topics.windowExpiring, (e) => e.conversationId === first.conversationId, 30_000);
    expect(expiring.value).toMatchObject({ channel: Channel.WHATSAPP, windowKind: 'standard', contactId: first.contactId });
    expect(timestampDate(expiring.value.closesAt!).getTime()).toBe(sentAt.getTime() + 24 * HOUR);
    expect(expiring.key).toBe(first.conversationId);

    // A later timer, fired after the first, proves every poll since then has run: still one event.
    const marker = customerMessage(Channel.WHATSAPP, '5215599999999', new Date(clock.now().getTime() - HOUR));
    await publisher.publish(Topics.messageNormalized, marker.conversationId, marker, { id: marker.id });
    await waitFor(() => pendingTimer(`${Channel.WHATSAPP}:5215599999999:standard`), { timeoutMs: 30_000, description: 'marker timer scheduled' });
    clock.advance(22 * HOUR + 1000); // the marker's window closes 23 h from now: due in 22 h
    await tap.waitFor(Topics.windowExpiring, (e) => e.conversationId === marker.conversationId, 30_000);
    expect(tap.all(Topics.windowExpiring).filter((e) => e.value.conversationId === first.conversationId)).toHaveLength(1);
    const fired = await db.query(`SELECT fired_by FROM window_policy.timers WHERE subject = $1`, [`${Channel.WHATSAPP}:5215512345678:standard`]);
    expect(fired.rows).toHaveLength(1);
  }, 120_000);

  it('defers a marketing SMS through quiet hours in Paris and releases it at 08:00 Paris time', async () => {
    // 1 December: Paris is UTC+1, so 21:30 local is 20:30 UTC and quiet hours end at 07:00 UTC.
    clock.set('2026-12-01T20:30:00Z');
    const request = create(OutboundRequestedSchema, {
      id: randomUUID(),
      conversationId: randomUUID(),
      channel: Channel.SMS,
      accountId: '+14155550100',
      recipient: { channelUserId: '+33612345678' },
      authorId: 'bot:campaigns',
      authorIsHuman: false,
      content: { text: 'Winter sale: 20% off this week.' },
      purpose: MessagePurpose.MARKETING,
    });
    await publisher.publish(Topics.outboundRequested, request.conversationId, request, { id: request.id });
    const deferred = await tap.waitFor(Topics.outboundDeferred, (d) => d.request?.id === request.id, 30_000);
    expect(deferred.value).toMatchObject({ reason: RejectionReason.QUIET_HOURS, reasons: [{ rule: 'sms-quiet-hours' }] });
    expect(timestampDate(deferred.value.notBefore!).toISOString()).toBe('2026-12-02T07:00:00.000Z');

    clock.set('2026-12-02T06:59:59Z');
    await waitFor(async () => (await db.query(`SELECT 1 FROM window_policy.timers WHERE subject = $1 AND fired_at IS NULL`, [request.id])).rowCount === 1, { description: 'release pending' });
    clock.set('2026-12-02T07:00:00Z');
    const approved = await tap.waitFor(Topics.outboundApproved, (a) => a.request?.id === request.id, 30_000);
    expect(approved.value.policy?.reasons.map((r) => r.rule)).toEqual(['sms-consent']);
    expect(timestampDate(approved.value.approvedAt!).toISOString()).toBe('2026-12-02T07:00:00.000Z');
  }, 120_000);
});
