/**
 * POST /conversations/:id/resolve on the real service (startService) against the run's real Kafka
 * and PostgreSQL: the agent's slot comes back, the queue drains into it, the resolved event goes
 * out once, and problems are problem+json.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { Channel, ConversationRoutedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, serviceTestEnv, testEnv, waitFor } from '@omni/testing';
import { assignment, type AssignmentConfig } from '../assignment';

jest.setTimeout(90_000);

const quiet = createLogger({ service: 'assignment-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('assignment: POST /conversations/:id/resolve (real Kafka + PostgreSQL)', () => {
  const env = testEnv();
  const suffix = randomUUID().slice(0, 6);
  const prefix = `${env.topicPrefix}a${suffix}.`;
  // A database of its own: pickAgent considers every online agent in the schema, so agents from
  // other specs on the run's shared database must not take this spec's conversations.
  const databaseUrl = (() => {
    const url = new URL(env.databaseUrl);
    url.pathname = `${url.pathname}_a${suffix}`;
    return url.toString();
  })();
  let service: RunningService<AssignmentConfig>;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let tap: KafkaTap;

  beforeAll(async () => {
    service = await startService(assignment, {
      env: serviceTestEnv({ prefix, databaseUrl }),
      waitForReadyMs: 90_000,
    });
    connection = new KafkaConnection({ brokers: env.kafkaBrokers, service: 'router', topicPrefix: prefix, partitions: 2 }, quiet);
    publisher = new EventPublisher(connection);
    // The service provisions its topics in the background; the tap needs them now.
    await connection.ensureTopics([Topics.conversationRouted, Topics.conversationAssigned, Topics.conversationQueued, Topics.conversationResolved]);
    tap = await new KafkaTap(env.kafkaBrokers, prefix, [Topics.conversationAssigned, Topics.conversationQueued, Topics.conversationResolved]).start();
  }, 90_000);

  afterAll(async () => {
    await tap?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await service?.close().catch(() => undefined);
    const admin = new URL(databaseUrl);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`).finally(() => client.end());
  }, 30_000);

  async function http(method: string, path: string, body?: unknown) {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...(await authHeader(['admin'])), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted on shape by shape
    return { status: response.status, type: response.headers.get('content-type'), json: (text ? JSON.parse(text) : undefined) as any };
  }

  async function agent(id: string, capacity: number) {
    expect((await http('PUT', `/agents/${id}`, { displayName: id, capacity })).status).toBe(200);
    expect((await http('PUT', `/agents/${id}/presence`, { status: 'online' })).status).toBe(200);
  }

  async function route(conversationId: string, channel = Channel.WHATSAPP): Promise<string> {
    const contactId = randomUUID();
    const id = randomUUID();
    await publisher.publish(
      Topics.conversationRouted,
      conversationId,
      create(ConversationRoutedSchema, { id, conversationId, contactId, channel, queue: 'default', priority: 0, routedAt: timestampFromDate(new Date()) }),
      { id },
    );
    return contactId;
  }

  const assignedTo = (conversationId: string) => tap.all(Topics.conversationAssigned).filter((r) => r.value.conversationId === conversationId);
  const resolvedOf = (conversationId: string) => tap.all(Topics.conversationResolved).filter((r) => r.value.conversationId === conversationId);

  it('frees the agent, hands the slot to the queue, publishes omni.conversation.resolved.v1 once, and is idempotent', async () => {
    const ana = `ana-${suffix}`;
    await agent(ana, 1);
    const first = randomUUID();
    const second = randomUUID();
    const contactId = await route(first);
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === first);
    await route(second);
    const queued = await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === second);
    // Position 1 behind one busy slot: one average handle time (the default 5 min before any resolution).
    expect(queued.value).toMatchObject({ position: 1, estimatedWaitMs: 300_000n, queue: 'default' });
    expect((await http('GET', `/agents/${ana}`)).json).toMatchObject({ activeCount: 1, capacity: 1 });

    const resolved = await http('POST', `/conversations/${first}/resolve`, { resolution: 'solved' });
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({ conversationId: first, state: 'resolved', agentId: ana, resolution: 'solved', alreadyResolved: false });
    expect(resolved.json.handleMs).toBeGreaterThanOrEqual(0);

    const event = await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === first);
    expect(event.key).toBe(first);
    expect(event.headers).toMatchObject({ ce_type: 'omni.v1.ConversationResolved', ce_source: 'omni/assignment', ce_id: event.value.id });
    expect(event.value).toMatchObject({ conversationId: first, agentId: ana, resolution: 'solved', channel: Channel.WHATSAPP, contactId, handleMs: BigInt(resolved.json.handleMs) });
    expect(event.value.resolvedAt).toBeDefined();
    expect(new Date(Number(event.value.resolvedAt!.seconds) * 1000 + Math.floor(event.value.resolvedAt!.nanos / 1e6)).toISOString()).toBe(resolved.json.resolvedAt);

    // The freed slot went to the queued conversation, in the same transaction.
    const drained = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === second);
    expect(drained.value).toMatchObject({ agentId: ana, reasons: expect.arrayContaining([expect.objectContaining({ rule: 'queue-drain' })]) });
    expect((await http('GET', `/agents/${ana}`)).json).toMatchObject({ activeCount: 1 });

    // Again: 200 with the state it already has, nothing published, capacity untouched.
    const again = await http('POST', `/conversations/${first}/resolve`, { resolution: 'spam' });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...resolved.json, alreadyResolved: true, csat: 'none' });
    const secondResolved = await http('POST', `/conversations/${second}/resolve`);
    expect(secondResolved.json).toMatchObject({ agentId: ana, resolution: null, alreadyResolved: false });
    await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === second);
    expect(resolvedOf(first)).toHaveLength(1);
    expect(assignedTo(first)).toHaveLength(1);
    expect((await http('GET', `/agents/${ana}`)).json).toMatchObject({ activeCount: 0 });
  });

  it('resolves a conversation that is still queued: no agent, nothing to free, handleMs 0', async () => {
    // Nobody can take it (Ana goes offline, Bo has no capacity), so the conversation queues.
    expect((await http('PUT', `/agents/ana-${suffix}/presence`, { status: 'offline' })).status).toBe(200);
    const bo = `bo-${suffix}`;
    await agent(bo, 0);
    const conversationId = randomUUID();
    await route(conversationId, Channel.SMS);
    await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === conversationId);
    const resolved = await http('POST', `/conversations/${conversationId}/resolve`, {});
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({ agentId: null, handleMs: 0, resolution: null, alreadyResolved: false });
    const event = await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === conversationId);
    expect(event.value).toMatchObject({ agentId: '', handleMs: 0n, channel: Channel.SMS });
    // Capacity that appears later does not pick it up: it is no longer queued.
    await http('PUT', `/agents/${bo}`, { displayName: bo, capacity: 5 });
    await new Promise((r) => setTimeout(r, 500));
    expect(assignedTo(conversationId)).toHaveLength(0);
  });

  it('answers 404 for a conversation it never saw and 400 for a bad id or body, as problem+json', async () => {
    const unknown = await http('POST', `/conversations/${randomUUID()}/resolve`, {});
    expect({ status: unknown.status, type: unknown.type }).toEqual({ status: 404, type: expect.stringContaining('application/problem+json') });
    expect(unknown.json).toMatchObject({ status: 404, title: 'Not found' });

    const badId = await http('POST', '/conversations/not-a-uuid/resolve', {});
    expect(badId.status).toBe(400);
    expect(badId.json.errors).toEqual([expect.objectContaining({ field: 'id' })]);

    for (const body of [{ resolution: 42 }, { resolution: '' }, { resolution: 'ok', extra: true }]) {
      const bad = await http('POST', `/conversations/${randomUUID()}/resolve`, body);
      expect({ body, status: bad.status, type: bad.type }).toEqual({ body, status: 400, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('documents the route in OpenAPI', async () => {
    await waitFor(async () => (await http('GET', '/docs/openapi.json')).status === 200, { description: 'OpenAPI document' });
    const doc = (await http('GET', '/docs/openapi.json')).json;
    expect(doc.paths['/conversations/{id}/resolve'].post.responses).toHaveProperty('200');
    expect(doc.paths['/conversations/{id}/resolve'].post.responses).toHaveProperty('404');
  });
});
