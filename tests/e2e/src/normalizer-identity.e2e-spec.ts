import { randomUUID } from 'node:crypto';
import { hmacHex } from '@omni/channel-sdk';
import { twilioSignature } from '@omni/channel-sms';
import { Topics } from '@omni/contracts';
import { authHeader, KafkaTap, testEnv } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

const PAGE_ID = '104857600000001';
const PHONE_NUMBER_ID = '106540352242922';
const TWILIO_NUMBER = '+14155550100';
/** The seed customer: +33 6 12 34 56 78 on WhatsApp (wa_id 33612345678) and on SMS (0033612345678). */
const WA_ID = '33612345678';
const SMS_FROM = '0033612345678';

function metaHeaders(body: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacHex('sha256', TEST_SECRETS.META_APP_SECRET, Buffer.from(body))}` };
}

describe('normalizer e2e: one customer across Messenger, WhatsApp and SMS, through the real gateways', () => {
  let omni: Omni;
  let tap: KafkaTap;

  beforeAll(async () => {
    omni = await startOmni(['gateway-messenger', 'gateway-whatsapp', 'gateway-sms', 'normalizer']);
    tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.messageNormalized]).start();
  }, 120_000);

  afterAll(async () => {
    await tap?.stop();
    await omni?.stop();
  }, 60_000);

  async function post(service: 'gateway-messenger' | 'gateway-whatsapp' | 'gateway-sms', path: string, body: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(`${omni.url(service)}${path}`, { method: 'POST', headers, body });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
  }

  it('resolves WhatsApp +33 6 12 34 56 78 and SMS 0033612345678 to one contact, merges a Messenger identity in by CRM link, and shows one timeline', async () => {
    const psid = `7${Date.now()}`.slice(0, 16);
    const t0 = Date.now() - 10 * 60_000;
    const mid = `m_e2e_${randomUUID()}`;
    const wamid = `wamid.e2e.${randomUUID()}`;
    const sid = `SM${randomUUID().replace(/-/g, '')}`;

    const messenger = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE_ID, time: t0, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: t0, message: { mid, text: 'Bonjour, où en est ma commande ?' } }] }],
    });
    await post('gateway-messenger', '/webhooks/messenger', messenger, metaHeaders(messenger));
    const whatsapp = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
                contacts: [{ profile: { name: 'Camille' }, wa_id: WA_ID }],
                messages: [{ from: WA_ID, id: wamid, timestamp: String(Math.floor((t0 + 60_000) / 1000)), type: 'text', text: { body: 'Toujours pas de nouvelles de ma commande' } }],
              },
            },
          ],
        },
      ],
    });
    await post('gateway-whatsapp', '/webhooks/whatsapp', whatsapp, metaHeaders(whatsapp));
    const form: Array<[string, string]> = [
      ['MessageSid', sid],
      ['SmsSid', sid],
      ['AccountSid', TEST_SECRETS.TWILIO_ACCOUNT_SID],
      ['From', SMS_FROM],
      ['To', TWILIO_NUMBER],
      ['Body', 'Je vous écris par SMS : ma commande ?'],
      ['NumMedia', '0'],
    ];
    const signature = twilioSignature(TEST_SECRETS.TWILIO_AUTH_TOKEN, `${TEST_SECRETS.TWILIO_PUBLIC_BASE_URL}/webhooks/twilio/sms`, form);
    await post('gateway-sms', '/webhooks/twilio/sms', new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });

    const [fromMessenger, fromWhatsApp, fromSms] = await Promise.all([mid, wamid, sid].map(async (id) => (await tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === id)).value));
    expect(fromSms!.contactId).toBe(fromWhatsApp!.contactId);
    expect(fromMessenger!.contactId).not.toBe(fromWhatsApp!.contactId);
    for (const message of [fromMessenger!, fromWhatsApp!, fromSms!]) expect(message.language).toBe('fr');

    const api = omni.url('normalizer');
    const crm = await authHeader(['crm']);
    const found = (await (await fetch(`${api}/contacts?phone=${encodeURIComponent('+33 6 12 34 56 78')}`, { headers: crm })).json()) as { items: Array<{ id: string; identities: Array<{ channel: string; id: string }> }> };
    expect(found.items.map((c) => c.id)).toEqual([fromWhatsApp!.contactId]);
    expect(found.items[0]!.identities.map((i) => `${i.channel}:${i.id}`).sort()).toEqual(['phone:+33612345678', `sms:${SMS_FROM}`, `whatsapp:${WA_ID}`]);

    const link = await fetch(`${api}/contacts/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...crm },
      body: JSON.stringify({ customerId: `crm-e2e-${randomUUID()}`, identities: [{ channel: 'messenger', id: psid }], phones: ['+33 6 12 34 56 78'] }),
    });
    expect(link.status).toBe(200);
    const linked = (await link.json()) as { contact: { id: string }; merged: string[] };
    expect(linked.merged).toHaveLength(1);
    expect([fromMessenger!.contactId, fromWhatsApp!.contactId]).toContain(linked.contact.id);

    const timeline = (await (await fetch(`${api}/contacts/${linked.contact.id}/timeline`, { headers: crm })).json()) as { items: Array<{ channel: string; direction: string; text: string }> };
    expect(timeline.items.map((m) => [m.channel, m.text])).toEqual([
      ['messenger', 'Bonjour, où en est ma commande ?'],
      ['whatsapp', 'Toujours pas de nouvelles de ma commande'],
      ['sms', 'Je vous écris par SMS : ma commande ?'],
    ]);
    // The id of the contact merged away still leads to the same history.
    const merged = await fetch(`${api}/contacts/${linked.merged[0]}/timeline`, { headers: crm });
    expect(merged.url).toBe(`${api}/contacts/${linked.contact.id}/timeline`);
    expect(((await merged.json()) as { items: unknown[] }).items).toHaveLength(3);
  }, 90_000);
});
