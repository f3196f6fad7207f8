/**
 * The assignment service on a ManualClock against the run's real Kafka and PostgreSQL: heartbeat
 * miss → offline → requeue after the grace period → reassigned; an offer that expires moves to the
 * next agent, a declined one too; an SLA breach lands exactly at its due time and overflows; the
 * agent API's roles (401, 403); reply, note and transfer.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import {
  AgentStatus,
  Channel,
  ConversationOffered_Status,
  ConversationRoutedSchema,
  ConversationSla_Kind,
  ConversationSla_Status,
  create,
  ContactErasedSchema,
  CsatRecorded_Status,
  Direction,
  WindowExpiringSchema,
  MessageSchema,
  OutboundRejectedSchema,
  RejectionReason,
  timestampFromDate,
  Topics,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { ManualClock, startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, openEventStream, serviceTestEnv, testEnv, waitFor } from '@omni/testing';
import { assignmentWith, type AssignmentConfig } from './assignment';
import { Sweeper } from './sweeper';

jest.setTimeout(120_000);

const quiet = createLogger({ service: 'assignment-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('assignment lifecycle on a manual clock (real Kafka + PostgreSQL)', () => {
  const env = testEnv();
  const suffix = randomUUID().slice(0, 6);
  const prefix = `${env.topicPrefix}l${suffix}.`;
  const databaseUrl = (() => {
    const url = new URL(env.databaseUrl);
    url.pathname = `${url.pathname}_l${suffix}`;
    return url.toString();
  })();
  const clock = new ManualClock('2026-03-02T10:00:00.000Z');
  let service: RunningService<AssignmentConfig>;
  let connection: KafkaConnection;
  let publisher: EventPublisher;
  let tap: KafkaTap;
  let sweeper: Sweeper;

  const TOPICS = [Topics.conversationAssigned, Topics.conversationQueued, Topics.conversationOffered, Topics.conversationSla, Topics.agentPresence, Topics.outboundRequested, Topics.conversationResolved, Topics.csatRecorded];

  beforeAll(async () => {
    service = await startService(assignmentWith({ clock }), {
      env: serviceTestEnv(
        { prefix, databaseUrl },
        { ASSIGNMENT_SWEEP_MS: '60000', ASSIGNMENT_HEARTBEAT_TIMEOUT_MS: '30000', ASSIGNMENT_REQUEUE_GRACE_MS: '60000', ASSIGNMENT_FIRST_RESPONSE_SECONDS: '0' },
      ),
      waitForReadyMs: 90_000,
    });
    sweeper = service.app.get(Sweeper);
    connection = new KafkaConnection({ brokers: env.kafkaBrokers, service: 'router', topicPrefix: prefix, partitions: 2 }, quiet);
    publisher = new EventPublisher(connection);
    await connection.ensureTopics([Topics.conversationRouted, Topics.messageNormalized, Topics.windowExpiring, Topics.contactErased, Topics.outboundRejected, ...TOPICS]);
    tap = await new KafkaTap(env.kafkaBrokers, prefix, TOPICS).start();
  }, 120_000);

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

  async function http(method: string, path: string, body?: unknown, auth: Record<string, string> | null = null) {
    const headers = { ...(auth ?? (await authHeader(['admin']))), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const response = await fetch(`${service.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted on shape by shape
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
  }
  const as = (agentId: string) => authHeader(['agent'], { sub: agentId, agentId });

  async function agent(id: string, capacity: number, extra: Record<string, unknown> = {}) {
    expect((await http('PUT', `/agents/${id}`, { displayName: id, capacity, ...extra })).status).toBe(200);
    expect((await http('PUT', `/agents/${id}/presence`, { status: 'online' }, await as(id))).status).toBe(200);
  }

  async function route(queue: string, fields: Record<string, unknown> = {}, conversationId: string = randomUUID()): Promise<string> {
    const id = randomUUID();
    await publisher.publish(
      Topics.conversationRouted,
      conversationId,
      create(ConversationRoutedSchema, {
        id,
        conversationId,
        contactId: randomUUID(),
        channel: Channel.WHATSAPP,
        queue,
        priority: 0,
        routedAt: timestampFromDate(clock.now()),
        customer: { channelUserId: '15550001111' },
        accountId: 'waba-1',
        customerRef: { contactId: 'c-1', channel: Channel.WHATSAPP, channelUserId: '15550001111', accountId: 'waba-1', crmCustomerIds: ['crm-42'] },
        handoffContext: { order: 'A-1001' },
        ...fields,
      }),
      { id },
    );
    return conversationId;
  }

  const heartbeat = async (...ids: string[]) => {
    for (const id of ids) expect((await http('POST', `/agents/${id}/heartbeat`, undefined, await as(id))).status).toBe(200);
  };

  it('refuses without a token (401) and on another agent’s conversation (403)', async () => {
    const anon = await fetch(`${service.url}/conversations`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Bearer');
    const x = `x-${suffix}`;
    const y = `y-${suffix}`;
    await agent(x, 1, { teams: ['authz'] });
    await agent(y, 1, { teams: ['authz'] });
    expect((await http('PUT', '/queues/authz', { strategy: 'least-busy', teams: ['authz'] })).status).toBe(200);
    const c = await route('authz');
    const assigned = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c);
    const owner = assigned.value.agentId;
    const other = owner === x ? y : x;
    // The CRM can name the customer from the assigned event alone.
    expect(assigned.value.customerRef).toMatchObject({ crmCustomerIds: ['crm-42'], channelUserId: '15550001111' });
    expect((await http('GET', `/conversations/${c}`, undefined, await as(other))).status).toBe(403);
    expect((await http('POST', `/conversations/${c}/reply`, { text: 'hi' }, await as(other))).status).toBe(403);
    expect((await http('POST', `/conversations/${c}/resolve`, {}, await as(other))).status).toBe(403);
    expect((await http('PUT', `/agents/${owner}/presence`, { status: 'offline' }, await as(other))).status).toBe(403);
    expect((await http('PUT', `/agents/${other}`, { displayName: 'me', capacity: 99 }, await as(other))).status).toBe(403);
    expect((await http('GET', '/queues', undefined, await as(other))).status).toBe(403);
    expect((await http('GET', '/queues', undefined, await authHeader(['supervisor']))).status).toBe(200);

    // The owner works it: sees the handoff context, replies (to window-policy), notes, transfers.
    const mine = await http('GET', '/conversations', undefined, await as(owner));
    expect(mine.json).toEqual([expect.objectContaining({ conversationId: c, handoffContext: { order: 'A-1001' }, state: 'assigned' })]);
    const detail = await http('GET', `/conversations/${c}`, undefined, await as(owner));
    expect(detail.status).toBe(200);
    const reply = await http('POST', `/conversations/${c}/reply`, { text: 'Hello!' }, await as(owner));
    expect(reply.status).toBe(202);
    const requested = await tap.waitFor(Topics.outboundRequested, (r) => r.id === reply.json.outboundId);
    expect(requested.value).toMatchObject({ conversationId: c, channel: Channel.WHATSAPP, accountId: 'waba-1', authorId: owner, authorIsHuman: true, recipient: { channelUserId: '15550001111' }, content: { text: 'Hello!' } });
    expect((await http('POST', `/conversations/${c}/notes`, { text: 'VIP, be nice' }, await as(owner))).status).toBe(201);
    expect((await http('POST', `/conversations/${c}/reply`, { text: '' }, await as(owner))).status).toBe(400);
    const transfer = await http('POST', `/conversations/${c}/transfer`, { agentId: other }, await as(owner));
    expect(transfer.json).toMatchObject({ state: 'assigned', agentId: other });
    const moved = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c && a.agentId === other);
    expect(moved.value).toMatchObject({ previousAgentId: owner, reasons: [expect.objectContaining({ rule: 'transfer-to-agent' })] });
    expect((await http('GET', `/conversations/${c}`, undefined, await as(owner))).status).toBe(403);
    expect((await http('GET', `/conversations/${c}`, undefined, await as(other))).json.notes).toEqual([expect.objectContaining({ text: 'VIP, be nice', authorId: owner })]);
    expect((await http('POST', `/conversations/${c}/resolve`, { resolution: 'solved' }, await as(other))).json).toMatchObject({ agentId: other, alreadyResolved: false });
    const resolved = await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === c);
    expect(resolved.value.customerRef).toMatchObject({ crmCustomerIds: ['crm-42'] });
    await http('PUT', `/agents/${x}/presence`, { status: 'offline' });
    await http('PUT', `/agents/${y}/presence`, { status: 'offline' });
  });

  it('an agent who misses heartbeats goes offline; after the grace period their conversation is requeued and reassigned', async () => {
    const a1 = `hb1-${suffix}`;
    const a2 = `hb2-${suffix}`;
    expect((await http('PUT', '/queues/hb', { strategy: 'longest-idle', teams: ['hb'] })).status).toBe(200);
    await agent(a1, 1, { teams: ['hb'] });
    const c = await route('hb');
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c && a.agentId === a1);
    await agent(a2, 1, { teams: ['hb'] });
    const t0 = clock.now().getTime();

    clock.set(t0 + 20_000);
    await heartbeat(a2);
    clock.set(t0 + 30_001); // a1 silent for 30.001 s
    await sweeper.tick();
    const offline = await tap.waitFor(Topics.agentPresence, (p) => p.agentId === a1 && p.status === AgentStatus.OFFLINE && p.reason !== '');
    expect(offline.value.reason).toBe('heartbeat-missed');
    expect((await http('GET', `/agents/${a2}`)).json.status).toBe('online');

    // Within the grace period the conversation stays with a1 (a reconnect would keep it).
    clock.set(t0 + 50_000);
    await heartbeat(a2);
    clock.set(t0 + 90_000);
    await heartbeat(a2);
    await sweeper.tick();
    expect(tap.all(Topics.conversationAssigned).filter((a) => a.value.conversationId === c)).toHaveLength(1);

    clock.set(t0 + 90_001); // 60 s after a1 went offline
    await sweeper.tick();
    const reassigned = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c && a.agentId === a2);
    expect(reassigned.value.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['agent-offline-requeue']));
    expect((await http('GET', `/agents/${a1}`)).json).toMatchObject({ status: 'offline', activeCount: 0, load: 0 });
    await http('PUT', `/agents/${a2}/presence`, { status: 'offline' });
  });

  it('an offer that expires moves to the next agent exactly at its timeout; a declined one too', async () => {
    expect((await http('PUT', '/queues/offers', { strategy: 'round-robin', teams: ['offers'], offerTimeoutSeconds: 30 })).status).toBe(200);
    const o1 = `of1-${suffix}`;
    const o2 = `of2-${suffix}`;
    await agent(o1, 2, { teams: ['offers'] });
    await agent(o2, 2, { teams: ['offers'] });
    const c = await route('offers');
    const first = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === c && o.status === ConversationOffered_Status.OFFERED);
    const t0 = clock.now().getTime();
    const firstAgent = first.value.agentId;
    const nextAgent = firstAgent === o1 ? o2 : o1;
    expect(Number(first.value.expiresAt!.seconds) * 1000 + first.value.expiresAt!.nanos / 1e6).toBe(t0 + 30_000);

    clock.set(t0 + 29_999);
    await heartbeat(o1, o2);
    await sweeper.tick();
    expect(tap.all(Topics.conversationOffered).filter((o) => o.value.conversationId === c)).toHaveLength(1);

    clock.set(t0 + 30_000);
    await sweeper.tick();
    const expired = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === c && o.status === ConversationOffered_Status.EXPIRED);
    expect(expired.value.agentId).toBe(firstAgent);
    const second = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === c && o.status === ConversationOffered_Status.OFFERED && o.agentId === nextAgent);
    expect(second.value.reasons.map((r) => r.rule)).toContain('offer-expired');
    // The first agent can no longer take it; the offered one can.
    expect((await http('POST', `/conversations/${c}/accept`, undefined, await as(firstAgent))).status).toBe(403);
    const accepted = await http('POST', `/conversations/${c}/accept`, undefined, await as(nextAgent));
    expect(accepted.json).toMatchObject({ state: 'assigned', agentId: nextAgent });
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c && a.agentId === nextAgent);

    // Declined: straight to the other agent.
    const d = await route('offers');
    const offered = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === d && o.status === ConversationOffered_Status.OFFERED);
    const decliner = offered.value.agentId;
    expect((await http('POST', `/conversations/${d}/decline`, undefined, await as(decliner))).status).toBe(200);
    await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === d && o.status === ConversationOffered_Status.DECLINED && o.agentId === decliner);
    const reoffered = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === d && o.status === ConversationOffered_Status.OFFERED && o.agentId !== decliner);

    // Resolved while the offer is open (a supervisor closes it): the offer ends as withdrawn, visibly.
    expect((await http('POST', `/conversations/${d}/resolve`, {}, await authHeader(['supervisor']))).status).toBe(200);
    const withdrawn = await tap.waitFor(Topics.conversationOffered, (o) => o.conversationId === d && o.status === ConversationOffered_Status.WITHDRAWN);
    expect(withdrawn.value.agentId).toBe(reoffered.value.agentId);
    expect(withdrawn.value.reasons.map((r) => r.rule)).toEqual(['offer-withdrawn']);
    await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === d);
    await http('PUT', `/agents/${o1}/presence`, { status: 'offline' });
    await http('PUT', `/agents/${o2}/presence`, { status: 'offline' });
  });

  it('an SLA warns at 80 %, breaches exactly at its due time, raises priority and overflows', async () => {
    expect((await http('PUT', '/queues/sla', { strategy: 'least-busy', teams: ['nobody-serves-this'], firstResponseSeconds: 60, overflowQueue: 'sla-overflow' })).status).toBe(200);
    // The overflow queue is served by nobody here either, so the conversation stays visible in it.
    expect((await http('PUT', '/queues/sla-overflow', { strategy: 'least-busy', teams: ['nobody-serves-this'] })).status).toBe(200);
    const c = await route('sla', { priority: 5 });
    const queued = await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === c);
    expect(queued.value).toMatchObject({ queue: 'sla', position: 1, priority: 5 });
    expect(queued.value.customerRef?.crmCustomerIds).toEqual(['crm-42']);
    const t0 = clock.now().getTime();

    clock.set(t0 + 47_999);
    await sweeper.tick();
    clock.set(t0 + 48_000);
    await sweeper.tick();
    const warning = await tap.waitFor(Topics.conversationSla, (e) => e.conversationId === c && e.status === ConversationSla_Status.WARNING);
    expect(warning.value.kind).toBe(ConversationSla_Kind.FIRST_RESPONSE);
    expect(Number(warning.value.occurredAt!.seconds) * 1000 + warning.value.occurredAt!.nanos / 1e6).toBe(t0 + 48_000);

    clock.set(t0 + 59_999);
    await sweeper.tick();
    expect(tap.all(Topics.conversationSla).filter((e) => e.value.conversationId === c && e.value.status === ConversationSla_Status.BREACHED)).toHaveLength(0);
    clock.set(t0 + 60_000);
    await sweeper.tick();
    const breach = await tap.waitFor(Topics.conversationSla, (e) => e.conversationId === c && e.status === ConversationSla_Status.BREACHED);
    expect(breach.value).toMatchObject({ overflowQueue: 'sla-overflow', queue: 'sla-overflow', priority: 105 });
    const requeued = await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === c && q.queue === 'sla-overflow');
    expect(requeued.value.position).toBe(1);
    const queues = (await http('GET', '/queues', undefined, await authHeader(['supervisor']))).json as Array<{ name: string; waiting: Array<{ conversationId: string; priority: number }> }>;
    expect(queues.find((q) => q.name === 'sla-overflow')?.waiting).toEqual([expect.objectContaining({ conversationId: c, priority: 105 })]);
    // What the SRE dashboard and alerts read: the breach per queue and target, the depth per queue.
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/omni_assignment_sla_breaches_total\{[^}]*queue="sla"[^}]*kind="first"[^}]*\} 1/);
    expect(metrics).toMatch(/omni_assignment_queue_depth\{[^}]*queue="sla-overflow"[^}]*\} 1/);
    expect(metrics).not.toMatch(/omni_assignment_queue_depth\{[^}]*queue="sla"[,}]/);
    // The earlier tests assigned conversations: their waits are in the histogram.
    expect(metrics).toMatch(/omni_assignment_wait_seconds_count\{[^}]*queue="[^"]+"[^}]*\} [1-9]/);
  });

  it('CSAT: not sent when the window is closed (with the reason); answered and published; a routing decision made while the survey is open waits for the message', async () => {
    expect((await http('PUT', '/queues/csat', { strategy: 'least-busy', teams: ['csat'], csat: true })).status).toBe(200);
    const cs = `cs-${suffix}`;
    await agent(cs, 2, { teams: ['csat'] });
    const me = await as(cs);
    const customerSays = async (conversationId: string, id: string, content: Record<string, unknown>) => {
      const message = create(MessageSchema, { id, conversationId, channel: Channel.WHATSAPP, direction: Direction.INBOUND, contactId: 'c-1', content: { kind: content } as never, receivedAt: timestampFromDate(clock.now()) });
      await publisher.publish(Topics.messageNormalized, conversationId, message, { id: randomUUID() });
    };

    // The window closed before the resolution: no survey, recorded as not sent, with the reason.
    const closed = await route('csat', { replyDeadline: timestampFromDate(new Date(clock.now().getTime() - 1_000)) });
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === closed);
    expect((await http('POST', `/conversations/${closed}/resolve`, {}, me)).json).toMatchObject({ csat: 'not_sent' });
    const notSent = await tap.waitFor(Topics.csatRecorded, (c) => c.conversationId === closed);
    expect(notSent.value).toMatchObject({ status: CsatRecorded_Status.NOT_SENT, score: 0, agentId: cs, queue: 'csat' });
    expect(notSent.value.detail).toContain('csat-window-closed');
    expect(tap.all(Topics.outboundRequested).filter((r) => r.value.conversationId === closed)).toHaveLength(0);

    // Open window: the survey goes to window-policy as channel-neutral 1–5 quick replies.
    const open = await route('csat', { replyDeadline: timestampFromDate(new Date(clock.now().getTime() + 3_600_000)), messageId: 'm-1' });
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === open);
    expect((await http('POST', `/conversations/${open}/resolve`, {}, me)).json).toMatchObject({ csat: 'sent' });
    const survey = await tap.waitFor(Topics.outboundRequested, (r) => r.conversationId === open);
    expect(survey.value.content?.quickReplies.map((q) => q.payload)).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    expect(survey.value.recipient?.channelUserId).toBe('15550001111');

    // The customer writes something else: the routing decision that arrived first was parked and
    // is released by the message; the survey is closed as superseded.
    await route('csat', { messageId: 'm-2' }, open);
    await new Promise((r) => setTimeout(r, 700));
    expect(tap.all(Topics.conversationAssigned).filter((a) => a.value.conversationId === open)).toHaveLength(1);
    await customerSays(open, 'm-2', { case: 'text', value: { text: 'one more question' } });
    await waitForCount(Topics.conversationAssigned, open, 2);
    expect(tap.all(Topics.csatRecorded).filter((c) => c.value.conversationId === open)).toHaveLength(0);

    // Resolved again, surveyed again; the customer taps 4: recorded, published, and not new work.
    expect((await http('POST', `/conversations/${open}/resolve`, {}, me)).json).toMatchObject({ csat: 'sent' });
    await customerSays(open, 'm-3', { case: 'quickReply', value: { payload: 'csat:4', text: '4' } });
    const answered = await tap.waitFor(Topics.csatRecorded, (c) => c.conversationId === open);
    expect(answered.value).toMatchObject({ status: CsatRecorded_Status.ANSWERED, score: 4, agentId: cs });
    await route('csat', { messageId: 'm-3' }, open);
    await new Promise((r) => setTimeout(r, 700));
    expect(tap.all(Topics.conversationAssigned).filter((a) => a.value.conversationId === open)).toHaveLength(2);
    expect((await http('GET', `/agents/${cs}`)).json).toMatchObject({ activeCount: 0 });
  });

  it('a window about to close moves a conversation ahead in the one order (position republished); erasure removes notes and the customer reference', async () => {
    expect((await http('PUT', '/queues/order', { strategy: 'least-busy', teams: ['nobody-serves-order'] })).status).toBe(200);
    const older = await route('order');
    await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === older && q.position === 1);
    clock.advance(1_000);
    const younger = await route('order', { contactId: 'erase-me' });
    await tap.waitFor(Topics.conversationQueued, (q) => q.conversationId === younger && q.position === 2);
    const closesAt = new Date(clock.now().getTime() + 600_000);
    const expiring = create(WindowExpiringSchema, { id: randomUUID(), conversationId: younger, channel: Channel.WHATSAPP, closesAt: timestampFromDate(closesAt), windowKind: 'standard' });
    await publisher.publish(Topics.windowExpiring, younger, expiring, { id: expiring.id });
    const supervisor = await authHeader(['supervisor']);
    const deadline = Date.now() + 45_000;
    let waiting: Array<{ conversationId: string; position: number; replyDeadline: string | null }> = [];
    while (Date.now() < deadline) {
      // The sweep's pass republishes positions that changed.
      await sweeper.tick();
      waiting = ((await http('GET', '/queues', undefined, supervisor)).json as Array<{ name: string; waiting: typeof waiting }>).find((q) => q.name === 'order')!.waiting;
      if (waiting[0]?.conversationId === younger) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(waiting.map((w) => [w.conversationId, w.position])).toEqual([
      [younger, 1],
      [older, 2],
    ]);
    expect(waiting[0]!.replyDeadline).toBe(closesAt.toISOString());
    // The API orders on read; the new position is published by the next pass (the deadline may
    // have landed just after the tick above), so keep sweeping until it is out.
    await waitFor(
      async () => {
        await sweeper.tick();
        return tap.all(Topics.conversationQueued).some((q) => q.value.conversationId === younger && q.value.position === 1);
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'position 1 republished for the conversation whose window closes first' },
    );

    expect((await http('POST', `/conversations/${younger}/notes`, { text: 'called twice' }, supervisor)).status).toBe(201);
    const erased = create(ContactErasedSchema, { id: randomUUID(), contactId: 'erase-me', conversationIds: [younger] });
    await publisher.publish(Topics.contactErased, 'erase-me', erased, { id: erased.id });
    const until = Date.now() + 45_000;
    let detail = (await http('GET', `/conversations/${younger}`, undefined, supervisor)).json;
    while (detail.notes.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      detail = (await http('GET', `/conversations/${younger}`, undefined, supervisor)).json;
    }
    expect(detail).toMatchObject({ notes: [], handoffContext: {} });
  });

  it('next-response SLA: the customer writes after the first reply, the clock starts, the breach reaches the agent’s stream and the SLA topic; a reply stops it', async () => {
    expect((await http('PUT', '/queues/next', { strategy: 'least-busy', teams: ['next'], firstResponseSeconds: 0, nextResponseSeconds: 30 })).status).toBe(200);
    const n1 = `nx1-${suffix}`;
    const n2 = `nx2-${suffix}`;
    await agent(n1, 1, { teams: ['next'] });
    await agent(n2, 0, { teams: ['next'] });
    const mine = await openEventStream<{ agentId: string; kind: string; conversationId: string; data: Record<string, unknown> }>(`${service.url}/stream`, await as(n1));
    const theirs = await openEventStream<{ conversationId: string }>(`${service.url}/stream`, await as(n2));
    try {
      const c = await route('next');
      await mine.next((e) => e.event === 'assigned' && e.data.conversationId === c, 'assigned on the stream');
      expect((await http('POST', `/conversations/${c}/reply`, { text: 'Hi!' }, await as(n1))).status).toBe(202);
      const message = create(MessageSchema, { id: randomUUID(), conversationId: c, channel: Channel.WHATSAPP, direction: Direction.INBOUND, content: { kind: { case: 'text', value: { text: 'hello?' } } }, receivedAt: timestampFromDate(clock.now()) });
      await publisher.publish(Topics.messageNormalized, c, message, { id: randomUUID() });
      const live = await mine.next((e) => e.event === 'message' && e.data.conversationId === c, 'customer message on the stream');
      expect(live.data.data).toMatchObject({ text: 'hello?', contentType: 'text' });
      const detail = (await http('GET', `/conversations/${c}`, undefined, await as(n1))).json;
      const due = new Date(detail.nextResponseDue as string).getTime();
      expect(due).toBe(clock.now().getTime() + 30_000);

      clock.set(due - 1);
      await heartbeat(n1, n2);
      await sweeper.tick();
      expect(tap.all(Topics.conversationSla).filter((e) => e.value.conversationId === c && e.value.status === ConversationSla_Status.BREACHED)).toHaveLength(0);
      clock.set(due);
      await sweeper.tick();
      const breach = await tap.waitFor(Topics.conversationSla, (e) => e.conversationId === c && e.status === ConversationSla_Status.BREACHED);
      expect(breach.value).toMatchObject({ kind: ConversationSla_Kind.NEXT_RESPONSE, agentId: n1, overflowQueue: '' });
      await mine.next((e) => e.event === 'sla' && e.data.conversationId === c && e.data.data.status === 'breached', 'SLA breach on the stream');
      // Another agent's stream carries nothing of this conversation.
      expect(theirs.events.filter((e) => e.data.conversationId === c)).toEqual([]);

      expect((await http('POST', `/conversations/${c}/reply`, { text: 'Here you go' }, await as(n1))).status).toBe(202);
      expect((await http('GET', `/conversations/${c}`, undefined, await as(n1))).json.nextResponseDue).toBeNull();
    } finally {
      mine.close();
      theirs.close();
    }
  });

  it('CSAT refused by window-policy is recorded as not sent, with the reason', async () => {
    const cr = `cr-${suffix}`;
    expect((await http('PUT', '/queues/csat-refused', { strategy: 'least-busy', teams: ['csat-refused'], csat: true })).status).toBe(200);
    await agent(cr, 1, { teams: ['csat-refused'] });
    const c = await route('csat-refused', { replyDeadline: timestampFromDate(new Date(clock.now().getTime() + 3_600_000)) });
    await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === c);
    expect((await http('POST', `/conversations/${c}/resolve`, {}, await as(cr))).json).toMatchObject({ csat: 'sent' });
    const survey = await tap.waitFor(Topics.outboundRequested, (r) => r.conversationId === c);
    const rejected = create(OutboundRejectedSchema, { id: randomUUID(), request: survey.value, reason: RejectionReason.OPTED_OUT, detail: 'the customer opted out' });
    await publisher.publish(Topics.outboundRejected, c, rejected, { id: rejected.id });
    const recorded = await tap.waitFor(Topics.csatRecorded, (r) => r.conversationId === c);
    expect(recorded.value).toMatchObject({ status: CsatRecorded_Status.NOT_SENT, agentId: cr, queue: 'csat-refused' });
    expect(recorded.value.detail).toBe('csat-refused: opted_out: the customer opted out');
  });

  async function waitForCount(topic: typeof Topics.conversationAssigned, conversationId: string, count: number) {
    const deadline = Date.now() + 20_000;
    while (tap.all(topic).filter((a) => a.value.conversationId === conversationId).length < count) {
      if (Date.now() > deadline) throw new Error(`${conversationId}: fewer than ${count} ${topic.name}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
