import { randomUUID } from 'node:crypto';
import { hmacHex } from '@omni/channel-sdk';
import { Channel, Topics } from '@omni/contracts';
import { authHeader, KafkaTap, testEnv } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const PAGE_ID = '104857600000099';

/**
 * The CRM integrator's first question: who is this customer? A consumer that reads only
 * omni.conversation.assigned.v1 must be able to answer without any API call or topic join.
 */
describe('customer_ref: a consumer of omni.conversation.assigned.v1 alone can name the customer', () => {
  let omni: Omni;
  let tap: KafkaTap;

  beforeAll(async () => {
    omni = await startOmni(['gateway-messenger', 'normalizer', 'router', 'window-policy', 'assignment']);
    // Only the assigned topic: nothing else is read by this "CRM".
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.conversationAssigned]).start();
    const admin = await authHeader(['admin']);
    const put = (url: string, body: unknown) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify(body) });
    expect((await put(`${omni.url('assignment')}/agents/agent-cy`, { displayName: 'Cy', capacity: 5, languages: ['en'] })).status).toBe(200);
    expect((await put(`${omni.url('assignment')}/agents/agent-cy/presence`, { status: 'online' })).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await tap?.stop();
    await omni?.stop();
  }, 60_000);

  it('carries the channel id, account, linked CRM customer id and E.164 phone on assigned', async () => {
    const psid = `${Date.now()}`.padStart(16, '5');
    const customerId = `crm-${randomUUID()}`;
    const phone = `+1415${String(Date.now()).slice(-7)}`;
    // The CRM linked its customer (and phone number) to the Messenger identity beforehand.
    const link = await fetch(`${omni.url('normalizer')}/contacts/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(['crm'])) },
      body: JSON.stringify({ customerId, identities: [{ channel: 'messenger', id: psid }], phones: [phone] }),
    });
    expect(link.status).toBe(200);
    const contactId = ((await link.json()) as { contact: { id: string } }).contact.id;

    const body = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: `m_${randomUUID()}`, text: 'Hello, order 1234?' } }] }],
    });
    const webhook = await fetch(`${omni.url('gateway-messenger')}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacHex('sha256', TEST_SECRETS.META_APP_SECRET, Buffer.from(body))}` },
      body,
    });
    expect(webhook.status).toBe(200);

    const assigned = await tap.waitFor(Topics.conversationAssigned, (a) => a.contactId === contactId, 60_000);
    expect(assigned.value.customerRef).toMatchObject({
      contactId,
      channel: Channel.MESSENGER,
      channelUserId: psid,
      accountId: PAGE_ID,
      crmCustomerIds: [customerId],
      phoneE164: phone,
    });
  }, 90_000);
});
