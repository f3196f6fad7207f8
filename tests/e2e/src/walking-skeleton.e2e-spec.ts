import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { hmacHex } from '@omni/channel-sdk';
import { Channel, Direction, Topics } from '@omni/contracts';
import { startTelemetry, traceIdOf } from '@omni/observability';
import { authHeader, KafkaTap, testEnv } from '@omni/testing';
import { SERVICES } from '@omni/service-kit';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'omni-e2e', exporter });

const PAGE_ID = '104857600000001';
const PSID = '6543210987654321';

function messengerText(mid: string, text: string): string {
  return JSON.stringify({
    object: 'page',
    entry: [{ id: PAGE_ID, time: 1717171717999, messaging: [{ sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1717171717512, message: { mid, text } }] }],
  });
}

function sign(body: string, secret = TEST_SECRETS.META_APP_SECRET): string {
  return `sha256=${hmacHex('sha256', secret, Buffer.from(body))}`;
}

describe('walking skeleton: Messenger webhook to assigned agent, on real Kafka and PostgreSQL', () => {
  let omni: Omni;
  let tap: KafkaTap;

  beforeAll(async () => {
    omni = await startOmni();
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [
      Topics.inboundRaw,
      Topics.messageNormalized,
      Topics.conversationRouted,
      Topics.conversationAssigned,
      Topics.agentPresence,
    ]).start();
    const agents = `${omni.url('assignment')}/agents`;
    const admin = await authHeader(['admin']);
    const put = (url: string, body: unknown) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify(body) });
    expect((await put(`${agents}/agent-ana`, { displayName: 'Ana', capacity: 2, languages: ['en'] })).status).toBe(200);
    expect((await put(`${agents}/agent-ana/presence`, { status: 'online' })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await tap?.stop();
    await omni?.stop();
    await telemetry.shutdown();
  }, 60_000);

  it('every catalog service is live and ready, with Kafka and PostgreSQL checks, and exposes metrics', async () => {
    expect(Object.keys(omni.services).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    expect(Object.keys(omni.services)).toHaveLength(SERVICES.length);
    for (const [name, service] of Object.entries(omni.services)) {
      expect({ name, status: (await fetch(`${service!.url}/health/live`)).status }).toEqual({ name, status: 200 });
      const ready = await fetch(`${service!.url}/health/ready`);
      const report = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
      expect({ name, status: ready.status, report: report.status }).toEqual({ name, status: 200, report: 'ok' });
      expect(report.checks.kafka?.status).toBe('up');
      expect(report.checks.postgres?.status).toBe('up'); // gateways keep their send ledger there
      const metrics = await fetch(`${service!.url}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain(`service="${name}"`);
    }
  });

  it('carries a signed Messenger text from webhook to an omni.conversation.assigned.v1 event, in one trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const body = messengerText('m_e2e_happy_1', 'Is the blue jacket in stock?');
    const response = await fetch(`${omni.url('gateway-messenger')}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body,
    });
    expect(response.status).toBe(200);

    const raw = await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === body);
    expect(raw.value.channel).toBe(Channel.MESSENGER);
    expect(raw.key).toBe(`messenger:${PAGE_ID}:${PSID}`);

    const normalized = await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === 'm_e2e_happy_1');
    expect(normalized.value).toMatchObject({ channel: Channel.MESSENGER, direction: Direction.INBOUND, accountId: PAGE_ID });
    expect(normalized.value.sender?.channelUserId).toBe(PSID);
    expect(normalized.value.content?.kind).toEqual({ case: 'text', value: expect.objectContaining({ text: 'Is the blue jacket in stock?' }) });
    expect(normalized.value.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(normalized.value.raw?.rawId).toBe(raw.value.id);
    expect(normalized.key).toBe(normalized.value.conversationId);

    const routed = await tap.waitFor(Topics.conversationRouted, (r) => r.conversationId === normalized.value.conversationId);
    expect(routed.value).toMatchObject({ queue: 'default', contactId: normalized.value.contactId, messageId: normalized.value.id });
    // The built-in routing document (version 1): no rule chose a queue; the VIP rule did not match.
    expect(routed.value.reasons).toEqual([expect.objectContaining({ rule: 'default-queue', detail: 'no rule chose a queue; routed to "default"' })]);
    expect(routed.value).toMatchObject({ policyVersion: 'document-1', priority: 0, inHours: true, escalated: false, intent: 'sales', sentiment: 'neutral' });
    expect(routed.value.customerRef).toMatchObject({ contactId: normalized.value.contactId, channel: Channel.MESSENGER, channelUserId: PSID, accountId: PAGE_ID });
    expect(routed.value.replyDeadline).toBeUndefined(); // window-policy owns the reply deadline

    const assigned = await tap.waitFor(Topics.conversationAssigned, (a) => a.conversationId === normalized.value.conversationId);
    expect(assigned.key).toBe(normalized.value.conversationId);
    expect(assigned.value).toMatchObject({
      agentId: 'agent-ana',
      agentDisplayName: 'Ana',
      queue: 'default',
      channel: Channel.MESSENGER,
      contactId: normalized.value.contactId,
    });
    // Reason names from the one registry (libs/contracts/src/reasons.ts), the same on every event:
    // why it came to this queue (the router's reason), then how Ana was picked.
    expect(assigned.value.reasons.map((r) => r.rule)).toEqual(['default-queue', 'least-loaded-online-agent']);
    expect(assigned.value.customerRef).toMatchObject({ contactId: normalized.value.contactId, channel: Channel.MESSENGER, channelUserId: PSID, accountId: PAGE_ID });
    expect(assigned.headers).toMatchObject({ ce_type: 'omni.v1.ConversationAssigned', ce_source: 'omni/assignment', ce_id: assigned.value.id });

    // One trace from the webhook to the assignment: every hop's record continues the caller's trace.
    for (const record of [raw, normalized, routed, assigned]) expect(traceIdOf(record.headers.traceparent)).toBe(traceId);
    const services = new Set(
      exporter
        .getFinishedSpans()
        .filter((s) => s.spanContext().traceId === traceId)
        .map((s) => s.attributes['omni.service'])
        .filter(Boolean),
    );
    // window-policy consumes the normalized message too (it opens the reply window), and
    // crm-webhooks records the conversation events for CRM subscriptions in the same trace.
    expect([...services].sort()).toEqual(['assignment', 'crm-webhooks', 'normalizer', 'router', 'window-policy']);
    // The http instrumentation's SERVER span, named after the matched route (the controller's wildcard).
    expect(
      exporter.getFinishedSpans().some((s) => s.spanContext().traceId === traceId && s.name === 'POST /webhooks/*path' && s.attributes['url.path'] === '/webhooks/messenger'),
    ).toBe(true);
  }, 60_000);

  it('refuses bad signatures with 401 and malformed bodies with 400 problem+json, writing nothing to Kafka', async () => {
    const url = `${omni.url('gateway-messenger')}/webhooks/messenger`;
    const body = messengerText('m_e2e_forged', 'forged');
    const cases: Array<{ name: string; headers: Record<string, string>; body: string; status: number }> = [
      { name: 'wrong secret', headers: { 'x-hub-signature-256': sign(body, 'not-the-secret') }, body, status: 401 },
      { name: 'missing header', headers: {}, body, status: 401 },
      { name: 'tampered body', headers: { 'x-hub-signature-256': sign(body) }, body: body.replace('forged', 'FORGED'), status: 401 },
      { name: 'sha1 prefix', headers: { 'x-hub-signature-256': sign(body).replace('sha256=', 'sha1=') }, body, status: 401 },
      { name: 'not JSON', headers: { 'x-hub-signature-256': sign('{"object":') }, body: '{"object":', status: 400 },
      { name: 'not a page event', headers: { 'x-hub-signature-256': sign('{"object":"user","entry":[]}') }, body: '{"object":"user","entry":[]}', status: 400 },
    ];
    for (const c of cases) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body: c.body });
      expect({ case: c.name, status: response.status, type: response.headers.get('content-type') }).toEqual({
        case: c.name,
        status: c.status,
        type: expect.stringContaining('application/problem+json'),
      });
      const problem = (await response.json()) as { status: number; title: string; type: string };
      expect(problem.status).toBe(c.status);
      expect(problem.title).toBeTruthy();
    }
    // A valid webhook after the bad ones: once it is on Kafka, everything before it would be too.
    const marker = messengerText('m_e2e_marker', 'marker');
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(marker) }, body: marker })).status).toBe(200);
    await tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).toString() === marker);
    const bodies = tap.all(Topics.inboundRaw).map((r) => Buffer.from(r.value.body).toString());
    const leaked = bodies.filter((b) => b.includes('m_e2e_forged') || b.includes('FORGED') || b === '{"object":' || b.startsWith('{"object":"user"'));
    expect(leaked).toEqual([]);
  }, 60_000);

  it('answers the Meta verification handshake and refuses a wrong verify token', async () => {
    const base = `${omni.url('gateway-messenger')}/webhooks/messenger`;
    const ok = await fetch(`${base}?hub.mode=subscribe&hub.verify_token=${TEST_SECRETS.META_VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(`${base}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
  });
});
