import { randomUUID } from 'node:crypto';
import { Channel, ConversationResolvedSchema, create, timestampDate, timestampFromDate, Topics } from '@omni/contracts';
import { waitFor } from '@omni/testing';
import { raw, startRig, uniqueDigits, type Rig } from './testing/rig';

const WINDOW_MS = 60_000;

/**
 * What a CRM learns from the normalizer's topics alone: links and merges (so a cached contact id
 * never silently becomes a tombstone), the CRM ids and phone on every message's profile, and
 * reopened conversations — with the customer named on them.
 */
describe('normalizer: contact.linked, contact.merged and conversation.reopened events (real Kafka + PostgreSQL)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({
      env: { CONVERSATION_REOPEN_WINDOW_MS: String(WINDOW_MS) },
      tapTopics: [Topics.messageNormalized, Topics.contactLinked, Topics.contactMerged, Topics.conversationReopened],
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  async function normalized(providerMessageId: string) {
    return (await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === providerMessageId)).value;
  }

  it('publishes each merge of a CRM link (keyed by the merged id) and the link, and names the CRM id and phone on later messages', async () => {
    const psid = uniqueDigits(16);
    const e164 = `+336${uniqueDigits(8)}`;
    const t0 = Date.now() - 10 * 60_000;
    const mid = `m_${randomUUID()}`;
    const wamid = `wamid.${randomUUID()}`;
    await rig.send(raw.messengerText(psid, mid, 'Where is my order?', t0));
    const fromMessenger = await normalized(mid);
    await rig.send(raw.whatsappText(e164.slice(1), wamid, 'Hello again', t0 + 1_000));
    const fromWhatsApp = await normalized(wamid);
    expect(fromWhatsApp.contact?.phoneE164).toBe(e164);
    expect(fromWhatsApp.contact?.crmCustomerIds).toEqual([]);

    const customerId = `crm-${randomUUID()}`;
    const link = await rig.http('POST', '/contacts/link', { customerId, identities: [{ channel: 'messenger', id: psid }], phones: [e164] });
    expect(link.status).toBe(200);

    const merged = await rig.tap.waitFor(Topics.contactMerged, (m) => m.mergedContactId === fromWhatsApp.contactId);
    expect(merged.key).toBe(fromWhatsApp.contactId);
    expect(merged.value).toMatchObject({ survivingContactId: fromMessenger.contactId, cause: 'crm-link', crmCustomerId: customerId });
    const linked = await rig.tap.waitFor(Topics.contactLinked, (m) => m.crmCustomerId === customerId);
    expect(linked.key).toBe(fromMessenger.contactId);
    expect(linked.value).toMatchObject({ contactId: fromMessenger.contactId, mergedContactIds: [fromWhatsApp.contactId], created: false, crmCustomerIds: [customerId], phoneE164: e164 });
    expect(linked.value.identities.map((i) => `${i.namespace}:${i.value}`).sort()).toEqual(
      [`crm:${customerId}`, `messenger:${psid}`, `phone:${e164}`, `whatsapp:${e164.slice(1)}`].sort(),
    );

    const next = `m_${randomUUID()}`;
    await rig.send(raw.messengerText(psid, next, 'Any news?', t0 + 2_000));
    const after = await normalized(next);
    expect(after.contactId).toBe(fromMessenger.contactId);
    expect(after.contact).toMatchObject({ crmCustomerIds: [customerId], phoneE164: e164 });
  });

  it('publishes an API merge with the surviving id', async () => {
    const a = uniqueDigits(16);
    const b = uniqueDigits(16);
    const t0 = Date.now() - 5 * 60_000;
    const [ma, mb] = [`m_${randomUUID()}`, `m_${randomUUID()}`];
    await rig.send(raw.messengerText(a, ma, 'one', t0));
    await rig.send(raw.messengerText(b, mb, 'two', t0 + 1));
    const [first, second] = [await normalized(ma), await normalized(mb)];
    const merge = await rig.http('POST', `/contacts/${first.contactId}/merge`, { sourceContactId: second.contactId });
    expect(merge.status).toBe(200);
    const merged = await rig.tap.waitFor(Topics.contactMerged, (m) => m.mergedContactId === second.contactId);
    expect(merged.value).toMatchObject({ survivingContactId: first.contactId, cause: 'api', crmCustomerId: '' });

    // A refused merge (the source is a tombstone now) publishes nothing more.
    expect((await rig.http('POST', `/contacts/${first.contactId}/merge`, { sourceContactId: second.contactId })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    expect(rig.tap.all(Topics.contactMerged).filter((m) => m.value.mergedContactId === second.contactId)).toHaveLength(1);
  });

  it('publishes conversation.reopened before the reopening message, with the customer named', async () => {
    const customer = `+1415${uniqueDigits(7)}`;
    const t0 = new Date(Date.now() - 60 * 60_000);
    rig.clock.set(t0);
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(customer, sid, 'My parcel never arrived'));
    const first = await normalized(sid);
    const resolvedAt = new Date(t0.getTime() + 1_000);
    const id = randomUUID();
    await rig.publish(
      Topics.conversationResolved,
      first.conversationId,
      create(ConversationResolvedSchema, { id, conversationId: first.conversationId, agentId: 'agent-ana', resolution: 'solved', resolvedAt: timestampFromDate(resolvedAt), channel: Channel.SMS }),
      'assignment',
      { id },
    );
    await waitFor(async () => (await rig.http('GET', `/conversations/${first.conversationId}`)).json.status === 'resolved', { description: 'resolved' });
    expect(rig.tap.all(Topics.conversationReopened).filter((r) => r.value.conversationId === first.conversationId)).toHaveLength(0);

    rig.clock.set(new Date(resolvedAt.getTime() + 10_000));
    const again = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(customer, again, 'One more question'));
    const second = await normalized(again);
    const reopened = await rig.tap.waitFor(Topics.conversationReopened, (r) => r.conversationId === first.conversationId);
    expect(reopened.key).toBe(first.conversationId);
    expect(reopened.value).toMatchObject({ contactId: first.contactId, channel: Channel.SMS, messageId: second.id, reopenCount: 1 });
    expect(timestampDate(reopened.value.reopenedAt!).toISOString()).toBe(new Date(resolvedAt.getTime() + 10_000).toISOString());
    expect(reopened.value.customerRef).toMatchObject({ contactId: first.contactId, channel: Channel.SMS, channelUserId: customer, phoneE164: customer });
    const normalizedRecord = rig.tap.all(Topics.messageNormalized).find((r) => r.value.id === second.id)!;
    expect(reopened.partition).toBe(normalizedRecord.partition);
    expect(BigInt(reopened.offset)).toBeLessThan(BigInt(normalizedRecord.offset));
  });
});
