import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { hmacHex } from '@omni/channel-sdk';
import {
  Channel,
  ContactErasedSchema,
  ConversationAssignedSchema,
  ConversationResolvedSchema,
  create,
  CsatRecorded_Status,
  CsatRecordedSchema,
  timestampFromDate,
  Topics,
  type CloudEventJson,
} from '@omni/contracts';
import { crmWebhooksWith, OffsetClock } from '@omni/crm-webhooks';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { authHeader, KafkaTap, testEnv, waitFor } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

/** One request the CRM endpoint received, and what it answered. */
interface Received {
  headers: Record<string, string>;
  body: string;
  event: CloudEventJson;
  answered: number;
}

/**
 * A CRM's webhook endpoint: a real HTTP server that answers `mode` (up: 204, down: 503, gone: 410)
 * and keeps every request.
 */
class CrmEndpoint {
  readonly requests: Received[] = [];
  mode: 'up' | 'down' | 'gone' = 'up';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res.writeHead.bind(res), res.end.bind(res)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/omni/webhooks`;
  }

  /** Requests answered 2xx: what the CRM actually accepted. */
  accepted(): Received[] {
    return this.requests.filter((r) => r.answered < 300);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, writeHead: (status: number) => unknown, end: () => unknown): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const answered = this.mode === 'up' ? 204 : this.mode === 'gone' ? 410 : 503;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    this.requests.push({ headers, body, event: JSON.parse(body) as CloudEventJson, answered });
    writeHead(answered);
    end();
  }
}

/**
 * The Standard Webhooks reference algorithm, written out (not the library Omni signs with):
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded secret,
 * base64, prefixed `v1,`; the header may list several space-separated signatures.
 */
function referenceVerify(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64'));
  const age = Math.abs(Date.now() / 1000 - Number(headers['webhook-timestamp']));
  if (!(age <= 300)) return false;
  return (headers['webhook-signature'] ?? '').split(' ').some((sig) => {
    const [version, value] = sig.split(',');
    const given = Buffer.from(value ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const PAGE_ID = '104857600000077';
const clock = new OffsetClock();
const quiet = createLogger({ service: 'crm-webhooks-e2e', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('CRM event webhooks: signed CloudEvents, ordered per conversation, retried, replayable, disabled when dead (real Kafka + PostgreSQL + HTTP)', () => {
  let omni: Omni;
  let crm: CrmEndpoint;
  let tap: KafkaTap;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let subscription: { id: string; secret: string };
  let base: string;
  let crmAuth: Record<string, string>;

  async function api(method: string, path: string, body?: unknown, auth: Record<string, string> = crmAuth) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
  }

  /** Assigned then resolved for one synthetic conversation, published as assignment would. */
  async function assignedThenResolved(conversationId: string, at: Date) {
    const contactId = randomUUID();
    await publisher.publish(
      Topics.conversationAssigned,
      conversationId,
      create(ConversationAssignedSchema, { id: randomUUID(), conversationId, agentId: 'agent-bo', queue: 'default', channel: Channel.SMS, contactId, assignedAt: timestampFromDate(at) }),
      { time: at },
    );
    const resolvedAt = new Date(at.getTime() + 1_000);
    await publisher.publish(
      Topics.conversationResolved,
      conversationId,
      create(ConversationResolvedSchema, { id: randomUUID(), conversationId, agentId: 'agent-bo', resolution: 'solved', channel: Channel.SMS, contactId, resolvedAt: timestampFromDate(resolvedAt) }),
      { time: resolvedAt },
    );
  }

  function typesFor(conversationId: string, from = crm.accepted()) {
    return from.filter((r) => r.event.subject === conversationId).map((r) => r.event.type);
  }

  beforeAll(async () => {
    crm = await new CrmEndpoint().start();
    omni = await startOmni(
      undefined,
      { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_DELAY_MS: '400', WEBHOOK_POLL_MS: '50', WEBHOOK_ORDER_SETTLE_MS: '300' },
      { definitions: { 'crm-webhooks': crmWebhooksWith({ clock }) } },
    );
    base = omni.url('crm-webhooks');
    crmAuth = await authHeader(['crm']);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.conversationAssigned, Topics.webhookDisabled]).start();
    connection = new KafkaConnection({ brokers: testEnv().kafkaBrokers, service: 'assignment', topicPrefix: omni.prefix }, quiet);
    publisher = new EventPublisher(connection);
    const admin = await authHeader(['admin']);
    const put = (url: string, body: unknown) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify(body) });
    expect((await put(`${omni.url('assignment')}/agents/agent-ana`, { displayName: 'Ana', capacity: 5, languages: ['en'] })).status).toBe(200);
    expect((await put(`${omni.url('assignment')}/agents/agent-ana/presence`, { status: 'online' })).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await tap?.stop();
    await connection?.close();
    await omni?.stop();
    await crm?.stop();
  }, 60_000);

  it('refuses callers without the crm scope and bad subscriptions (problem+json with the field)', async () => {
    expect((await api('GET', '/subscriptions', undefined, {})).status).toBe(401);
    expect((await api('GET', '/subscriptions', undefined, await authHeader(['agent']))).status).toBe(403);
    for (const [body, field] of [
      [{ url: 'not a url', eventTypes: ['omni.v1.ConversationAssigned'] }, 'url'],
      [{ url: 'ftp://crm.example.com/x', eventTypes: ['omni.v1.ConversationAssigned'] }, 'url'],
      [{ url: 'https://user:pw@crm.example.com/x', eventTypes: ['omni.v1.ConversationAssigned'] }, 'url'],
      [{ url: 'https://crm.example.com/x', eventTypes: ['omni.v1.Nope'] }, 'eventTypes'],
      [{ url: 'https://crm.example.com/x', eventTypes: [] }, 'eventTypes'],
      [{ url: 'https://crm.example.com/x', eventTypes: ['omni.v1.ConversationAssigned'], secret: 'whsec_dG9vc2hvcnQ=' }, 'secret'],
    ] as const) {
      const answer = await api('POST', '/subscriptions', body);
      expect({ body, status: answer.status, type: answer.type }).toEqual({ body, status: 400, type: expect.stringContaining('application/problem+json') });
      expect(answer.json.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await api('GET', `/subscriptions/${randomUUID()}`)).status).toBe(404);
    expect((await api('GET', '/subscriptions/nope')).json.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('delivers signed assigned then resolved events of a real conversation, in order, verifiable with the reference algorithm', async () => {
    const created = await api('POST', '/subscriptions', { url: crm.url, eventTypes: ['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved'], description: 'e2e CRM' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ status: 'active', eventTypes: ['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved'], secret: expect.stringMatching(/^whsec_/) });
    subscription = { id: created.json.id, secret: created.json.secret };
    expect((await api('GET', `/subscriptions/${subscription.id}`)).json.secret).toBeUndefined();

    // A customer writes on Messenger; Omni routes and assigns; the agent resolves.
    const psid = `${Date.now()}`.slice(-13).padStart(16, '7');
    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: `m_${randomUUID()}`, text: 'Where is my parcel?' } }] }],
    });
    const webhook = await fetch(`${omni.url('gateway-messenger')}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacHex('sha256', TEST_SECRETS.META_APP_SECRET, Buffer.from(body))}` },
      body,
    });
    expect(webhook.status).toBe(200);
    const assigned = await tap.waitFor(Topics.conversationAssigned, (a) => a.channel === Channel.MESSENGER && a.agentId === 'agent-ana', 60_000);
    const conversationId = assigned.value.conversationId;
    const resolve = await fetch(`${omni.url('assignment')}/conversations/${conversationId}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(['agent'], { agentId: 'agent-ana' })) },
      body: JSON.stringify({ resolution: 'solved' }),
    });
    expect(resolve.status).toBe(200);

    await waitFor(() => typesFor(conversationId).length === 2, { description: 'assigned and resolved delivered', timeoutMs: 30_000 });
    const [first, second] = crm.accepted().filter((r) => r.event.subject === conversationId);
    expect([first!.event.type, second!.event.type]).toEqual(['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved']);

    for (const request of [first!, second!]) {
      // Standard Webhooks headers, verified by the reference algorithm and by the library.
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      expect(request.headers['webhook-id']).toBe(request.event.id);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(referenceVerify(subscription.secret, request.headers, request.body)).toBe(true);
      expect(referenceVerify(subscription.secret, request.headers, request.body.replace('}', ' }'))).toBe(false);
      expect(referenceVerify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request.headers, request.body)).toBe(false);
      expect(() => new Webhook(subscription.secret).verify(request.body, request.headers)).not.toThrow();
      // CloudEvents 1.0 structured JSON.
      expect(request.event).toMatchObject({
        specversion: '1.0',
        source: 'omni/assignment',
        subject: conversationId,
        partitionkey: conversationId,
        datacontenttype: 'application/json',
        dataschema: `https://omni.dev/schemas/${request.event.type}.schema.json`,
        sequence: expect.stringMatching(/^\d+$/),
      });
    }
    expect(first!.event.id).toBe(assigned.value.id);
    expect(first!.event.data).toMatchObject({ conversationId, agentId: 'agent-ana', channel: 'CHANNEL_MESSENGER', priority: 0 });
    expect(second!.event.data).toMatchObject({ conversationId, resolution: 'solved' });
    expect(BigInt(second!.event.sequence)).toBeGreaterThan(BigInt(first!.event.sequence));
  }, 90_000);

  it('keeps retrying while the endpoint is down, then delivers everything once and in order per conversation', async () => {
    crm.mode = 'down';
    const before = crm.requests.length;
    const conversations: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const t0 = new Date();
    for (const [i, id] of conversations.entries()) await assignedThenResolved(id, new Date(t0.getTime() + i * 10));
    // Several failed rounds, with growing (jittered) delays between them.
    await waitFor(() => crm.requests.slice(before).filter((r) => r.answered === 503).length >= 9, { description: 'failed attempts while down', timeoutMs: 30_000 });
    expect(crm.accepted().filter((r) => conversations.includes(r.event.subject))).toHaveLength(0);
    // Never the resolved before its conversation's assigned, even while retrying.
    for (const id of conversations) expect(crm.requests.slice(before).filter((r) => r.event.subject === id).map((r) => r.event.type)).not.toContain('omni.v1.ConversationResolved');

    crm.mode = 'up';
    await waitFor(() => conversations.every((id) => typesFor(id).length === 2), { description: 'all delivered after recovery', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_000)); // nothing more may arrive
    for (const id of conversations) expect(typesFor(id)).toEqual(['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved']);
    const ids = crm.accepted().map((r) => r.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await api('GET', `/subscriptions/${subscription.id}`)).json).toMatchObject({ status: 'active', lastSuccessAt: expect.any(String) });
    expect((await api('GET', `/subscriptions/${subscription.id}/dead-letters`)).json).toEqual({ items: [], nextCursor: null });
  }, 90_000);

  it('replays from a cursor: the events after it again, in order, with their original webhook ids', async () => {
    const accepted = crm.accepted();
    const cursor = accepted[0]!.event.sequence;
    const expected = accepted.filter((r) => BigInt(r.event.sequence) > BigInt(cursor)).sort((a, b) => Number(BigInt(a.event.sequence) - BigInt(b.event.sequence)));
    expect(expected.length).toBeGreaterThanOrEqual(7);

    expect((await api('POST', `/subscriptions/${subscription.id}/replay`, {})).status).toBe(400);
    expect((await api('POST', `/subscriptions/${subscription.id}/replay`, { fromCursor: cursor, fromTime: new Date().toISOString() })).status).toBe(400);
    expect((await api('POST', `/subscriptions/${subscription.id}/replay`, { fromCursor: 'abc' })).json.errors[0].field).toBe('fromCursor');

    const before = crm.requests.length;
    const replay = await api('POST', `/subscriptions/${subscription.id}/replay`, { fromCursor: cursor });
    expect(replay.status).toBe(202);
    expect(replay.json).toEqual({ queued: expected.length, lastCursor: expected.at(-1)!.event.sequence, more: false });
    await waitFor(() => crm.requests.length - before >= expected.length, { description: 'replayed events delivered', timeoutMs: 30_000 });
    const replayed = crm.requests.slice(before);
    expect(new Set(replayed.map((r) => r.event.id))).toEqual(new Set(expected.map((r) => r.event.id)));
    expect(replayed.every((r) => r.headers['webhook-id'] === r.event.id && referenceVerify(subscription.secret, r.headers, r.body))).toBe(true);
    // In order per conversation: the order of the first delivery (event time, not log sequence:
    // a resolved record read before its assigned one still goes second).
    for (const subject of new Set(replayed.map((r) => r.event.subject))) {
      const original = expected.filter((r) => r.event.subject === subject).map((r) => r.event.id);
      const ids = replayed.filter((r) => r.event.subject === subject).map((r) => r.event.id);
      expect(ids).toEqual(accepted.filter((r) => original.includes(r.event.id)).map((r) => r.event.id));
    }
    // From a time: everything of the subscription's types since the start of the test file.
    const since = await api('POST', `/subscriptions/${subscription.id}/replay`, { fromTime: new Date(Date.now() - 3_600_000).toISOString(), limit: 2 });
    expect(since.json).toEqual({ queued: 2, lastCursor: expect.stringMatching(/^\d+$/), more: true });
  }, 60_000);

  it('erasure: the contact’s events leave the replay log, and the erasure notice is delivered', async () => {
    const patched = await api('PATCH', `/subscriptions/${subscription.id}`, { eventTypes: ['omni.v1.ConversationAssigned', 'omni.v1.ConversationResolved', 'omni.v1.ContactErased'] });
    expect(patched.json.eventTypes).toContain('omni.v1.ContactErased');
    const conversationId = randomUUID();
    const contactId = randomUUID();
    await publisher.publish(
      Topics.conversationAssigned,
      conversationId,
      create(ConversationAssignedSchema, { id: randomUUID(), conversationId, agentId: 'agent-bo', queue: 'default', channel: Channel.SMS, contactId }),
    );
    await waitFor(() => typesFor(conversationId).length === 1, { description: 'assigned delivered', timeoutMs: 30_000 });
    const erasureId = randomUUID();
    await publisher.publish(
      Topics.contactErased,
      contactId,
      create(ContactErasedSchema, { id: erasureId, contactId, conversationIds: [conversationId], erasedAt: timestampFromDate(new Date()), requestedBy: 'crm:e2e' }),
      { id: erasureId },
    );
    await waitFor(() => crm.accepted().some((r) => r.event.id === erasureId), { description: 'erasure delivered', timeoutMs: 30_000 });

    const before = crm.requests.length;
    const replay = await api('POST', `/subscriptions/${subscription.id}/replay`, { fromTime: new Date(Date.now() - 3_600_000).toISOString(), limit: 10_000 });
    expect(replay.json.queued).toBeGreaterThan(0);
    await waitFor(() => crm.requests.length - before >= replay.json.queued, { description: 'replay delivered', timeoutMs: 30_000 });
    const replayed = crm.requests.slice(before);
    expect(replayed.filter((r) => r.event.subject === conversationId)).toEqual([]);
    expect(replayed.filter((r) => r.event.id === erasureId)).toHaveLength(1);
  }, 60_000);

  it('disables a subscription whose endpoint fails for the whole 24 h retry window, publishes the notice, and recovers by redelivery', async () => {
    const failing = await new CrmEndpoint().start();
    failing.mode = 'down';
    try {
      const created = await api('POST', '/subscriptions', { url: failing.url, eventTypes: ['omni.v1.CsatRecorded'] });
      const id = created.json.id as string;
      const conversationId = randomUUID();
      await publisher.publish(
        Topics.csatRecorded,
        conversationId,
        create(CsatRecordedSchema, { id: randomUUID(), conversationId, contactId: randomUUID(), score: 5, status: CsatRecorded_Status.ANSWERED, channel: Channel.SMS, recordedAt: timestampFromDate(new Date()) }),
      );
      await waitFor(() => failing.requests.length >= 3, { description: 'failed attempts', timeoutMs: 30_000 });
      expect((await api('GET', `/subscriptions/${id}`)).json.status).toBe('active');

      // A day and more passes with the endpoint still failing.
      clock.advance(25 * 3_600_000);
      await waitFor(async () => (await api('GET', `/subscriptions/${id}`)).json.status === 'disabled', { description: 'subscription disabled', timeoutMs: 30_000 });
      expect((await api('GET', `/subscriptions/${id}`)).json).toMatchObject({ status: 'disabled', disabledReason: 'retries-exhausted' });
      const notice = await tap.waitFor(Topics.webhookDisabled, (n) => n.subscriptionId === id);
      expect(notice.value).toMatchObject({ reason: 'retries-exhausted', endpointOrigin: new URL(failing.url).origin, deadLetters: 1 });
      const dead = await api('GET', `/subscriptions/${id}/dead-letters`);
      expect(dead.json.items).toEqual([expect.objectContaining({ eventType: 'omni.v1.CsatRecorded', orderingKey: conversationId, lastStatus: 503, lastError: 'HTTP 503' })]);
      expect(dead.json.items[0].attempts).toBeGreaterThanOrEqual(4);
      const attemptsWhenDisabled = failing.requests.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(failing.requests.length).toBe(attemptsWhenDisabled);

      // The CRM fixes its endpoint, re-enables, and redelivers the dead letter.
      failing.mode = 'up';
      expect((await api('PATCH', `/subscriptions/${id}`, { status: 'active' })).json).toMatchObject({ status: 'active', disabledReason: null });
      expect((await api('POST', `/subscriptions/${id}/dead-letters/redeliver`, {})).json).toEqual({ requeued: 1 });
      await waitFor(() => failing.accepted().length === 1, { description: 'dead letter redelivered', timeoutMs: 30_000 });
      expect(failing.accepted()[0]!.event).toMatchObject({ type: 'omni.v1.CsatRecorded', subject: conversationId, data: expect.objectContaining({ score: 5, status: 'STATUS_ANSWERED' }) });
      expect((await api('GET', `/subscriptions/${id}/dead-letters`)).json.items).toEqual([]);

      // An endpoint answering 410 Gone is disabled at once.
      failing.mode = 'gone';
      await publisher.publish(Topics.csatRecorded, conversationId, create(CsatRecordedSchema, { id: randomUUID(), conversationId, score: 1, status: CsatRecorded_Status.ANSWERED }));
      await waitFor(async () => (await api('GET', `/subscriptions/${id}`)).json.disabledReason === 'gone', { description: 'disabled on 410', timeoutMs: 30_000 });
      expect((await tap.waitFor(Topics.webhookDisabled, (n) => n.subscriptionId === id && n.reason === 'gone')).value.detail).toBe('the endpoint answered 410 Gone');
    } finally {
      await failing.stop();
    }
  }, 90_000);
});
