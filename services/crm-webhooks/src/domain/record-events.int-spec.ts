/**
 * recordEvents against the real schema: a consumed batch's events are logged in one statement, in
 * order, with a live delivery per matching active subscription, and a repeated event id (a producer
 * retry) logs and queues nothing a second time, also within one call.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { CrmWebhooksInitial1732300000500 } from '../migrations/1732300000500-crm-webhooks-initial';
import { recordEvents, type ReceivedEvent } from './store';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

describe('recordEvents (real PostgreSQL)', () => {
  const schema = `crm_record_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  const event = (eventId: string, ceType: string, orderingKey: string, ms: number): ReceivedEvent => ({
    eventId,
    topic: `topic.${ceType}`,
    ceType,
    orderingKey,
    contactId: ms % 2 ? undefined : `contact-${orderingKey}`,
    occurredAt: new Date(T0 + ms),
    receivedAt: new Date(T0 + ms + 5),
    payload: { specversion: '1.0', id: eventId, type: ceType, source: 'test', data: { text: `it's "quoted" \\ and {braced}` } } as never,
  });
  const subscription = (status: string, types: string[]) =>
    dataSource.query(`INSERT INTO "${schema}".subscriptions (id, url, event_types, secret, status, created_at, updated_at) VALUES ($1, 'http://crm.test/hook', $2, 's', $3, now(), now()) RETURNING id`, [
      randomUUID(),
      types,
      status,
    ]) as Promise<Array<{ id: string }>>;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: [CrmWebhooksInitial1732300000500] });
  }, 60_000);
  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${schema}".deliveries, "${schema}".events, "${schema}".subscriptions CASCADE`);
  });
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('logs a batch in order and queues one live delivery per active subscription to each type', async () => {
    const [[all], [assignedOnly]] = await Promise.all([subscription('active', ['conversation.assigned', 'conversation.resolved']), subscription('active', ['conversation.assigned'])]);
    await subscription('disabled', ['conversation.assigned']);
    const batch = [event('e1', 'conversation.assigned', 'k1', 1), event('e2', 'conversation.resolved', 'k1', 2), event('e3', 'message.received', 'k2', 3)];

    expect(await recordEvents(dataSource.manager, batch)).toBe(3);

    const logged = await dataSource.query(`SELECT seq, event_id, contact_id, received_at, payload FROM "${schema}".events ORDER BY seq`);
    expect(logged.map((r: { event_id: string }) => r.event_id)).toEqual(['e1', 'e2', 'e3']);
    expect(logged[1].contact_id).toBe('contact-k1');
    expect(logged[0].contact_id).toBeNull();
    expect(new Date(logged[2].received_at).getTime()).toBe(T0 + 8);
    expect(logged[0].payload).toEqual(batch[0]!.payload);
    const deliveries = await dataSource.query(
      `SELECT d.subscription_id, e.event_id, d.ordering_key, d.occurred_at, d.next_attempt_at, d.state, d.origin FROM "${schema}".deliveries d JOIN "${schema}".events e ON e.seq = d.event_seq ORDER BY e.seq, d.subscription_id`,
    );
    expect(deliveries.map((d: { subscription_id: string; event_id: string }) => `${d.event_id}→${d.subscription_id === all!.id ? 'all' : d.subscription_id === assignedOnly!.id ? 'assigned' : '?'}`).sort()).toEqual(
      ['e1→all', 'e1→assigned', 'e2→all'].sort(),
    );
    expect(deliveries.every((d: { state: string; origin: string }) => d.state === 'pending' && d.origin === 'live')).toBe(true);
    const e2 = deliveries.find((d: { event_id: string }) => d.event_id === 'e2');
    expect([e2.ordering_key, new Date(e2.occurred_at).getTime(), new Date(e2.next_attempt_at).getTime()]).toEqual(['k1', T0 + 2, T0 + 7]);
  });

  it('skips event ids logged before or earlier in the same call, with their deliveries', async () => {
    await subscription('active', ['conversation.assigned']);
    expect(await recordEvents(dataSource.manager, [event('e1', 'conversation.assigned', 'k1', 1)])).toBe(1);
    expect(await recordEvents(dataSource.manager, [event('e1', 'conversation.assigned', 'k1', 1), event('e2', 'conversation.assigned', 'k1', 2), event('e2', 'conversation.assigned', 'k1', 2)])).toBe(1);
    expect(await recordEvents(dataSource.manager, [])).toBe(0);
    const [{ events, deliveries }] = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM "${schema}".events) AS events, (SELECT count(*)::int FROM "${schema}".deliveries) AS deliveries`,
    );
    expect({ events, deliveries }).toEqual({ events: 2, deliveries: 2 });
  });
});
