import { randomUUID } from 'node:crypto';
import { Channel, ConversationResolvedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import { waitFor } from '@omni/testing';
import { raw, startRig, uniqueDigits, type Rig } from './testing/rig';

const WINDOW_MS = 60_000;

describe('normalizer: conversations open, resolve, reopen within the window (real Kafka + PostgreSQL, test clock)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ env: { CONVERSATION_REOPEN_WINDOW_MS: String(WINDOW_MS) } });
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  /** An inbound SMS written at the test clock's time (SMS carry no provider time: the receive time counts). */
  async function sms(from: string, text: string) {
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(from, sid, text));
    return (await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === sid)).value;
  }

  async function status(conversationId: string) {
    return (await rig.http('GET', `/conversations/${conversationId}`)).json as { status: string; reopenCount: number; resolvedAt: string | null; resolution: string | null; resolvedBy: string | null };
  }

  const resolution = (conversationId: string, at: Date, id = randomUUID()) =>
    create(ConversationResolvedSchema, { id, conversationId, agentId: 'agent-ana', resolution: 'solved', resolvedAt: timestampFromDate(at), channel: Channel.SMS });

  async function resolve(conversationId: string, at: Date, id = randomUUID()) {
    await rig.publish(Topics.conversationResolved, conversationId, resolution(conversationId, at, id), 'assignment', { id });
    return id;
  }

  /** omni_normalizer_resolutions_total by outcome, as the service exposes it now. */
  async function resolutionCounts(): Promise<Record<string, number>> {
    const metrics = await (await fetch(`${rig.url}/metrics`)).text();
    return Object.fromEntries([...metrics.matchAll(/omni_normalizer_resolutions_total\{[^}]*outcome="([^"]+)"[^}]*\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  }

  async function consumed(eventIds: string[]) {
    await waitFor(async () => (await rig.query('SELECT 1 FROM normalizer.inbox WHERE event_id = ANY($1)', [eventIds])).length === eventIds.length, { description: 'resolutions consumed' });
  }

  it('reopens a resolved conversation for a message exactly at the window boundary, and starts a new one just after it', async () => {
    const customer = `+1415${uniqueDigits(7)}`;
    const t0 = new Date(Date.now() - 60 * 60_000);
    rig.clock.set(t0);
    const first = await sms(customer, 'My parcel never arrived');
    const a = first.conversationId;
    expect(await status(a)).toMatchObject({ status: 'open', reopenCount: 0 });

    const resolvedAt = new Date(t0.getTime() + 1_000);
    const resolutionId = await resolve(a, resolvedAt);
    await waitFor(async () => (await status(a)).status === 'resolved', { description: 'conversation resolved' });
    expect(await status(a)).toMatchObject({ resolvedAt: resolvedAt.toISOString(), resolution: 'solved', resolvedBy: 'agent-ana' });

    // Exactly reopenWindowMs after the resolution: the same conversation, reopened.
    rig.clock.set(new Date(resolvedAt.getTime() + WINDOW_MS));
    const second = await sms(customer, 'Actually one more question');
    expect(second.conversationId).toBe(a);
    expect(await status(a)).toMatchObject({ status: 'open', reopenCount: 1, resolvedAt: null });

    // The first resolution redelivered (same event id): the inbox absorbs it, the conversation stays open.
    await resolve(a, resolvedAt, resolutionId);
    const resolvedAgain = new Date(resolvedAt.getTime() + WINDOW_MS + 1_000);
    await resolve(a, resolvedAgain);
    await waitFor(async () => (await status(a)).status === 'resolved', { description: 'resolved again' });
    const metrics = await (await fetch(`${rig.url}/metrics`)).text();
    expect(metrics).toMatch(/omni_normalizer_resolutions_total\{[^}]*outcome="redelivered"[^}]*\} 1/);
    expect(await status(a)).toMatchObject({ resolvedAt: resolvedAgain.toISOString(), reopenCount: 1 });

    // One millisecond past the window: a new conversation; the old one stays resolved.
    rig.clock.set(new Date(resolvedAgain.getTime() + WINDOW_MS + 1));
    const third = await sms(customer, 'New problem: wrong size');
    expect(third.conversationId).not.toBe(a);
    expect(third.contactId).toBe(first.contactId);
    expect(await status(a)).toMatchObject({ status: 'resolved' });
    expect(await status(third.conversationId)).toMatchObject({ status: 'open', reopenCount: 0 });
    const conversations = await rig.http('GET', `/contacts/${first.contactId}/conversations`);
    expect(conversations.json.items.map((c: { id: string }) => c.id)).toEqual([a, third.conversationId]);
    rig.clock.release();
  });

  it('does not close a conversation on a resolution older than the customer’s last message', async () => {
    const customer = `+1415${uniqueDigits(7)}`;
    const t0 = new Date(Date.now() - 30 * 60_000);
    rig.clock.set(t0);
    const message = await sms(customer, 'Hello?');
    const resolutionId = await resolve(message.conversationId, new Date(t0.getTime() - 5_000));
    await consumed([resolutionId]);
    expect(await status(message.conversationId)).toMatchObject({ status: 'open' });
    rig.clock.release();
  });

  it('ignores a resolution for a conversation it does not know', async () => {
    const id = await resolve(randomUUID(), new Date());
    await consumed([id]);
    const metrics = await (await fetch(`${rig.url}/metrics`)).text();
    expect(metrics).toMatch(/omni_normalizer_resolutions_total\{[^}]*outcome="unknown"[^}]*\} 1/);
  });

  it('a batch of resolutions: each has the outcome it would have alone, in order, and is counted by it', async () => {
    const [ana, ben] = [`+1415${uniqueDigits(7)}`, `+1415${uniqueDigits(7)}`];
    const t0 = new Date(Date.now() - 20 * 60_000);
    rig.clock.set(t0);
    const a = (await sms(ana, 'Where is my order?')).conversationId;
    const b = (await sms(ben, 'Can I change my address?')).conversationId;
    rig.clock.release();
    const before = await resolutionCounts();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const batch = [
      resolution(a, at(-5_000)), // superseded: Ana wrote after it
      resolution(randomUUID(), at(500)), // unknown
      resolution(a, at(1_000)), // resolves Ana's
      resolution(b, at(2_000)), // resolves Ben's
      resolution(a, at(3_000)), // already resolved
      resolution('not-a-uuid', at(4_000)), // unknown
    ];
    await rig.publishAll(Topics.conversationResolved, a, batch.map((value) => ({ id: value.id, value })), 'assignment');
    await consumed(batch.map((r) => r.id));

    expect(await status(a)).toMatchObject({ status: 'resolved', resolvedAt: at(1_000).toISOString(), resolution: 'solved', resolvedBy: 'agent-ana' });
    expect(await status(b)).toMatchObject({ status: 'resolved', resolvedAt: at(2_000).toISOString() });
    const after = await resolutionCounts();
    const counted = Object.fromEntries(Object.keys(after).map((outcome) => [outcome, after[outcome]! - (before[outcome] ?? 0)]).filter(([, n]) => n !== 0));
    expect(counted).toEqual({ resolved: 2, superseded: 1, 'already-resolved': 1, unknown: 2 });
  });
});
