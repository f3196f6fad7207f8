/**
 * The agent's full loop through real services (Messenger gateway, normalizer, router,
 * window-policy, assignment) on the run's real Kafka and PostgreSQL, with the fake Graph API over
 * real HTTP: the customer writes; the agent gets the offer on the SSE stream, accepts, sees the
 * history and the customer's next message live, replies; the provider receives the reply; the agent
 * resolves; the CSAT survey reaches the provider as quick replies; the customer's tap on "5" is
 * recorded and published, and does not become new work.
 */
import { randomInt } from 'node:crypto';
import { CsatRecorded_Status, Topics } from '@omni/contracts';
import { startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, metaGraph, openEventStream, testEnv, waitFor } from '@omni/testing';
import { assignment } from '@omni/assignment';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

jest.setTimeout(180_000);

const PAGE_ID = '104857600000077';
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

interface Notice {
  agentId: string;
  kind: string;
  conversationId: string;
  data: Record<string, unknown>;
}

describe('assignment end to end: offer on the stream → accept → reply → provider → resolve → CSAT at the provider → answer recorded', () => {
  let graph: metaGraph.FakeMetaGraph;
  let omni: Omni;
  let service: RunningService<never>;
  let tap: KafkaTap;
  let api: string;
  let closeStream: (() => void) | undefined;

  beforeAll(async () => {
    graph = new metaGraph.FakeMetaGraph({ messengerPageAccessToken: TEST_SECRETS.MESSENGER_PAGE_ACCESS_TOKEN });
    omni = await startOmni(['gateway-messenger', 'normalizer', 'router', 'window-policy'], { META_GRAPH_API_BASE_URL: await graph.start(), GATEWAY_RETRY_BASE_MS: '20', KAFKA_HANDLER_RETRY_BASE_MS: '20' });
    // Assignment reads conversation history from this normalizer.
    service = (await startService(assignment, { env: { ...omni.env, NORMALIZER_URL: omni.url('normalizer'), ASSIGNMENT_SWEEP_MS: '500' }, waitForReadyMs: 90_000 })) as RunningService<never>;
    api = service.url;
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.conversationOffered, Topics.conversationAssigned, Topics.conversationResolved, Topics.csatRecorded, Topics.conversationRouted, Topics.outboundApproved]).start();
  }, 150_000);

  afterAll(async () => {
    closeStream?.();
    await tap?.stop().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await omni?.stop();
    await graph?.stop();
  }, 60_000);

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${api}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted on shape
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
  };
  const webhook = (item: { pageId: string; item: metaGraph.MessagingItem }) =>
    metaGraph.postSignedWebhook(`${omni.url('gateway-messenger')}/webhooks/messenger`, metaGraph.messengerWebhook(item), { appSecret: TEST_SECRETS.META_APP_SECRET });

  it('runs the whole loop, and the stream refuses an anonymous caller', async () => {
    const admin = await authHeader(['admin']);
    const ana = await authHeader(['agent'], { sub: 'ana', agentId: 'ana' });
    expect((await call('PUT', '/queues/default', admin, { strategy: 'least-busy', offerTimeoutSeconds: 120, csat: true })).status).toBe(200);
    expect((await call('PUT', '/agents/ana', admin, { displayName: 'Ana', capacity: 2, languages: ['en'] })).status).toBe(200);
    expect((await call('PUT', '/agents/ana/presence', ana, { status: 'online' })).status).toBe(200);

    expect((await fetch(`${api}/stream`)).status).toBe(401);
    const stream = await openEventStream<Notice>(`${api}/stream`, ana);
    closeStream = stream.close;
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');

    // The customer writes.
    const psid = digits(16);
    expect((await webhook(metaGraph.messengerText({ pageId: PAGE_ID, psid, text: 'My order never arrived' }))).status).toBe(200);

    // The offer reaches Ana live; she accepts.
    const offer = await stream.next((e) => e.event === 'offer', 'offer on the stream');
    const conversationId = offer.data.conversationId;
    expect(offer.data.agentId).toBe('ana');
    const accepted = await call('POST', `/conversations/${conversationId}/accept`, ana);
    expect(accepted.json).toMatchObject({ state: 'assigned', agentId: 'ana' });
    await stream.next((e) => e.event === 'assigned' && e.data.conversationId === conversationId, 'assigned on the stream');
    const assignedEvent = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === conversationId);
    expect(assignedEvent.value.customerRef).toMatchObject({ channelUserId: psid });

    // History from the normalizer, through assignment, with Ana's own token.
    const detail = await call('GET', `/conversations/${conversationId}`, ana);
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.json.history)).toContain('My order never arrived');

    // The customer's next message shows up live.
    expect((await webhook(metaGraph.messengerText({ pageId: PAGE_ID, psid, text: 'Order 1234' }))).status).toBe(200);
    const live = await stream.next((e) => e.event === 'message' && e.data.conversationId === conversationId, 'customer message on the stream');
    expect(live.data.data.text).toBe('Order 1234');

    // Ana replies: window-policy approves (stream), the gateway sends it to the provider.
    const reply = await call('POST', `/conversations/${conversationId}/reply`, ana, { text: 'Sorry! Let me check order 1234.' });
    expect(reply.status).toBe(202);
    await stream.next((e) => e.event === 'outbound-approved' && e.data.data.outboundId === reply.json.outboundId, 'verdict on the stream');
    await waitFor(() => graph.messengerRequests().find((r) => JSON.stringify(r.body).includes('Let me check order 1234')), { timeoutMs: 60_000, description: 'reply at the provider' });

    // Ana resolves: resolved goes out, and the CSAT survey reaches the provider as quick replies.
    const resolved = await call('POST', `/conversations/${conversationId}/resolve`, ana, { resolution: 'solved' });
    expect(resolved.json).toMatchObject({ state: 'resolved', agentId: 'ana', csat: 'sent' });
    await tap.waitFor(Topics.conversationResolved, (r) => r.conversationId === conversationId && r.agentId === 'ana');
    const survey = await waitFor(() => graph.messengerRequests().find((r) => JSON.stringify(r.body).includes('csat:5')), { timeoutMs: 60_000, description: 'CSAT survey at the provider' });
    const quickReplies = (survey.body as { message: { quick_replies: Array<{ payload: string; title: string }> } }).message.quick_replies;
    expect(quickReplies.map((q) => q.payload)).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);

    // The customer taps 5: recorded and published, and it does not become new work.
    const routedBefore = tap.all(Topics.conversationRouted).filter((r) => r.value.conversationId === conversationId).length;
    expect((await webhook(metaGraph.messengerQuickReply({ pageId: PAGE_ID, psid, title: '5', payload: 'csat:5' }))).status).toBe(200);
    const csat = await tap.waitFor(Topics.csatRecorded, (c) => c.conversationId === conversationId);
    expect(csat.value).toMatchObject({ status: CsatRecorded_Status.ANSWERED, score: 5, agentId: 'ana', queue: 'default' });
    expect(csat.value.customerRef).toMatchObject({ channelUserId: psid });
    // Whether or not the answer is routed again (the normalizer reopens on it), it never becomes work.
    await new Promise((r) => setTimeout(r, 2000));
    const routedAgain = tap.all(Topics.conversationRouted).filter((r) => r.value.conversationId === conversationId).length > routedBefore;
    process.stdout.write(`CSAT answer routed again: ${routedAgain}\n`);
    expect(tap.all(Topics.conversationOffered).filter((o) => o.value.conversationId === conversationId && o.value.agentId === 'ana')).toHaveLength(2); // offered + accepted
    expect((await call('GET', '/agents/ana', ana)).json).toMatchObject({ activeCount: 0, load: 0 });
    stream.close();
  });
});
