import { randomUUID } from 'node:crypto';
import { Topics } from '@omni/contracts';
import { authHeader, genericPlan, scansOf, statementsDuring, waitFor } from '@omni/testing';
import { identityKeys } from './domain/contacts';
import { factsOfNewIdentities } from './domain/customer';
import { identitiesByKeysSql } from './domain/rows';
import { drained, raw, startRig, uniqueDigits, type Rig } from './testing/rig';

/** A French mobile number nobody else in this run uses: +33 6 xx xx xx xx. */
function frenchMobile(): { e164: string; waId: string; spaced: string; idd: string } {
  const rest = uniqueDigits(8);
  const e164 = `+336${rest}`;
  return { e164, waId: e164.slice(1), spaced: `+33 6 ${rest.match(/../g)!.join(' ')}`, idd: `00${e164.slice(1)}` };
}

describe('normalizer: one customer, one history across channels (real Kafka + PostgreSQL)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  async function normalized(providerMessageId: string) {
    return (await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === providerMessageId)).value;
  }

  it('unifies WhatsApp and SMS by E.164 phone, merges a Messenger identity in through a CRM link, and shows one timeline in order', async () => {
    const phone = frenchMobile();
    const psid = uniqueDigits(16);
    const t0 = Date.now() - 10 * 60_000;
    const mid = `m_${randomUUID()}`;
    const wamid = `wamid.${randomUUID()}`;
    const sid = `SM${randomUUID().replace(/-/g, '')}`;

    await rig.send(raw.messengerText(psid, mid, 'Hi, I ordered a jacket last week', t0));
    const fromMessenger = await normalized(mid);
    await rig.send(raw.whatsappText(phone.waId, wamid, 'Any news about my jacket order?', t0 + 60_000));
    const fromWhatsApp = await normalized(wamid);
    await rig.send({ ...raw.smsText(phone.idd, sid, 'Texting you instead: where is my jacket?'), receivedAt: new Date(t0 + 120_000) });
    const fromSms = await normalized(sid);

    // WhatsApp wa_id 33612345678… and SMS 0033612345678…: one contact, keyed phone:+E164.
    expect(fromSms.contactId).toBe(fromWhatsApp.contactId);
    // The first message of a new contact carries the facts it was created with, without reading
    // them back; they match what the table gives the next message (same identities, same order).
    expect(fromWhatsApp.contact?.phoneE164).toBe(phone.e164);
    const stored = (await rig.query('SELECT channel, channel_user_id FROM normalizer.identities WHERE contact_id = $1 ORDER BY created_at, channel', [fromWhatsApp.contactId])) as Array<{ channel: string; channel_user_id: string }>;
    const created = factsOfNewIdentities(identityKeys('whatsapp', phone.waId));
    expect(stored.slice(0, 2).map((r) => `${r.channel}:${r.channel_user_id}`)).toEqual(created.identities.map((i) => `${i.namespace}:${i.value}`));
    expect(fromMessenger.contactId).not.toBe(fromWhatsApp.contactId);
    const phoneContact = await rig.http('GET', `/contacts/${fromWhatsApp.contactId}`);
    expect(phoneContact.json.identities.map((i: { channel: string; id: string }) => `${i.channel}:${i.id}`).sort()).toEqual(
      [`phone:${phone.e164}`, `sms:${phone.idd}`, `whatsapp:${phone.waId}`].sort(),
    );
    expect(phoneContact.json.displayName).toBe('Ana Ruiz'); // from the WhatsApp profile

    // Search by identity, the phone in any format.
    for (const query of [`phone=${encodeURIComponent(phone.spaced)}`, `phone=${phone.idd}`, `phone=${phone.waId}`, `channel=whatsapp&id=${phone.waId}`, `channel=sms&id=${phone.idd}`]) {
      const found = await rig.http('GET', `/contacts?${query}`);
      expect({ query, status: found.status, ids: found.json.items.map((c: { id: string }) => c.id) }).toEqual({ query, status: 200, ids: [fromWhatsApp.contactId] });
    }

    // The CRM knows this is one customer: link its id to the Messenger identity and the phone.
    const customerId = `crm-${randomUUID()}`;
    const link = await rig.http('POST', '/contacts/link', { customerId, identities: [{ channel: 'messenger', id: psid }], phones: [phone.spaced] });
    expect(link.status).toBe(200);
    const survivor = link.json.contact.id as string;
    expect(survivor).toBe(fromMessenger.contactId); // the oldest contact survives
    expect(link.json.merged).toEqual([fromWhatsApp.contactId]);
    expect(link.json.contact.customerIds).toEqual([customerId]);
    expect(link.json.contact.identities.map((i: { channel: string }) => i.channel).sort()).toEqual(['messenger', 'phone', 'sms', 'whatsapp']);

    // History followed: the timeline holds all three channels, in time order.
    const timeline = await rig.http('GET', `/contacts/${survivor}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.json.items.map((m: { channel: string; text: string }) => [m.channel, m.text])).toEqual([
      ['messenger', 'Hi, I ordered a jacket last week'],
      ['whatsapp', 'Any news about my jacket order?'],
      ['sms', 'Texting you instead: where is my jacket?'],
    ]);
    expect(timeline.json.nextCursor).toBeNull();
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.messages WHERE contact_id = $1', [fromWhatsApp.contactId])).toEqual([{ n: 0 }]);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.conversations WHERE contact_id = $1', [fromWhatsApp.contactId])).toEqual([{ n: 0 }]);

    // Paging: one message per page, the cursor walks forward; newest-first works too.
    const first = await rig.http('GET', `/contacts/${survivor}/timeline?limit=1`);
    const second = await rig.http('GET', `/contacts/${survivor}/timeline?limit=1&cursor=${first.json.nextCursor}`);
    const third = await rig.http('GET', `/contacts/${survivor}/timeline?limit=1&cursor=${second.json.nextCursor}`);
    expect([first, second, third].map((p) => p.json.items[0].channel)).toEqual(['messenger', 'whatsapp', 'sms']);
    expect(third.json.nextCursor).toBeNull();
    const newest = await rig.http('GET', `/contacts/${survivor}/timeline?order=desc&limit=2`);
    expect(newest.json.items.map((m: { channel: string }) => m.channel)).toEqual(['sms', 'whatsapp']);

    // The merged contact is a tombstone that redirects reads to the survivor and refuses writes.
    const old = await rig.http('GET', `/contacts/${fromWhatsApp.contactId}/timeline?limit=5`);
    expect(old.status).toBe(308);
    expect(old.location).toBe(`/contacts/${survivor}/timeline?limit=5`);
    expect((await fetch(`${rig.url}/contacts/${fromWhatsApp.contactId}`, { headers: await authHeader(['agent']) })).url).toBe(`${rig.url}/contacts/${survivor}`);
    expect((await rig.http('PATCH', `/contacts/${fromWhatsApp.contactId}`, { tier: 'vip' })).status).toBe(409);
    const [tombstone] = await rig.query<{ status: string; merged_into: string; display_name: string | null }>(
      'SELECT status, merged_into, display_name FROM normalizer.contacts WHERE id = $1',
      [fromWhatsApp.contactId],
    );
    expect(tombstone).toEqual({ status: 'merged', merged_into: survivor, display_name: null });

    // New messages on any of the channels land on the survivor.
    const wamid2 = `wamid.${randomUUID()}`;
    await rig.send(raw.whatsappText(phone.waId, wamid2, 'Thanks!', Date.now() - 1_000));
    expect((await normalized(wamid2)).contactId).toBe(survivor);
    expect((await rig.http('GET', `/contacts?customerId=${customerId}`)).json.items[0].id).toBe(survivor);
  });

  /** A WhatsApp customer who wrote once a minute ago (their message normalized), and one never seen. */
  async function knownAndFresh() {
    const [known, fresh] = [frenchMobile(), frenchMobile()];
    const t0 = Date.now() - 60_000;
    const before = `wamid.${randomUUID()}`;
    await rig.send(raw.whatsappText(known.waId, before, 'Hello again', t0));
    return { known, fresh, t0, earlier: await normalized(before) };
  }

  it("in one batch, finds a known customer and files a new customer's second message with the first", async () => {
    // One produce request: the messages reach the normalizer as one batch, whose customers are
    // looked up together at its first message (BatchIdentities).
    const { known, fresh, t0, earlier } = await knownAndFresh();
    const ids = [`wamid.${randomUUID()}`, `wamid.${randomUUID()}`, `wamid.${randomUUID()}`];
    await rig.sendAll([
      raw.whatsappText(fresh.waId, ids[0]!, 'First time here', t0 + 1_000, 'Bea'),
      raw.whatsappText(known.waId, ids[1]!, 'Any news?', t0 + 2_000),
      raw.whatsappText(fresh.waId, ids[2]!, 'And a second question', t0 + 3_000, 'Bea'),
    ]);
    const [first, again, second] = [await normalized(ids[0]!), await normalized(ids[1]!), await normalized(ids[2]!)];
    expect([again.contactId, again.conversationId]).toEqual([earlier.contactId, earlier.conversationId]);
    expect(first.contactId).not.toBe(earlier.contactId);
    expect([second.contactId, second.conversationId]).toEqual([first.contactId, first.conversationId]);
    expect(await rig.query('SELECT channel FROM normalizer.identities WHERE contact_id = $1 ORDER BY channel', [first.contactId])).toEqual([{ channel: 'phone' }, { channel: 'whatsapp' }]);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.contacts c JOIN normalizer.identities i ON i.contact_id = c.id WHERE i.channel_user_id = $1', [fresh.waId])).toEqual([{ n: 1 }]);
  });

  it("in one batch, writes a new customer's conversation before the messages that refer to it, whatever comes first", async () => {
    // The known customer's message is buffered first, the new conversation after it: at the commit
    // the batch's conversations are still written before its messages (a foreign key).
    const { known, fresh, t0, earlier } = await knownAndFresh();
    const ids = [`wamid.${randomUUID()}`, `wamid.${randomUUID()}`];
    await rig.sendAll([raw.whatsappText(known.waId, ids[0]!, 'Any news?', t0 + 1_000), raw.whatsappText(fresh.waId, ids[1]!, 'First time here', t0 + 2_000, 'Bea')]);
    const [again, first] = [await normalized(ids[0]!), await normalized(ids[1]!)];
    expect(again.conversationId).toBe(earlier.conversationId);
    expect(await rig.query('SELECT contact_id, channels, status FROM normalizer.conversations WHERE id = $1', [first.conversationId])).toEqual([
      { contact_id: first.contactId, channels: ['whatsapp'], status: 'open' },
    ]);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.messages WHERE conversation_id = $1', [first.conversationId])).toEqual([{ n: 1 }]);
  });

  it("in one batch, creates its first-time customers' contacts in one statement, and files each message with its own customer", async () => {
    const customers = Array.from({ length: 6 }, () => `9${uniqueDigits(15)}`);
    const mids = customers.map(() => `m.${randomUUID()}`);
    const again = `m.${randomUUID()}`;
    const t = Date.now() - 5_000;
    const before = await rig.rawBatches();
    const sql = await statementsDuring(async () => {
      // One produce request: the normalizer takes them as one batch per partition.
      await rig.sendAll([...customers.map((psid, i) => raw.messengerText(psid, mids[i]!, `hello ${i}`, t + i)), raw.messengerText(customers[0]!, again, 'me again', t + 10)]);
      const expected = [...mids, again];
      await waitFor(() => expected.every((mid) => rig.tap.all(Topics.messageNormalized).some((m) => m.value.providerMessageId === mid)), { description: 'all seven normalized', timeoutMs: 30_000 });
    });
    const after = await rig.rawBatches();
    // Applied in their batches' transactions, not replayed one by one.
    expect(after.replays).toBe(before.replays);
    const batches = after.batches - before.batches;
    const contactInserts = sql.filter((q) => /INSERT INTO "[^"]+"\.contacts/.test(q)).length;
    // One per batch at the commit, plus one where the first customer's second message needed theirs written.
    expect(contactInserts).toBeLessThanOrEqual(batches + 1);
    expect(contactInserts).toBeLessThan(customers.length);

    const filed = await rig.query<{ channel_user_id: string; contacts: number; conversations: number; messages: number }>(
      `SELECT i.channel_user_id, count(DISTINCT i.contact_id)::int AS contacts, count(DISTINCT m.conversation_id)::int AS conversations, count(m.id)::int AS messages
         FROM normalizer.identities i JOIN normalizer.messages m ON m.contact_id = i.contact_id
        WHERE i.channel = 'messenger' AND i.channel_user_id = ANY($1::text[]) GROUP BY 1`,
      [customers],
    );
    expect(Object.fromEntries(filed.map((r) => [r.channel_user_id, [r.contacts, r.conversations, r.messages]]))).toEqual(
      Object.fromEntries(customers.map((psid, i) => [psid, [1, 1, i === 0 ? 2 : 1]])),
    );
  });

  it("in one batch, writes its returning customers' conversations in one statement, each with its latest message", async () => {
    const customers = Array.from({ length: 5 }, () => `9${uniqueDigits(15)}`);
    const t = Date.now() - 60_000;
    const firsts = customers.map(() => `m.${randomUUID()}`);
    await rig.sendAll(customers.map((psid, i) => raw.messengerText(psid, firsts[i]!, `hello ${i}`, t + i)));
    const opened = await Promise.all(firsts.map((mid) => normalized(mid)));
    const replies = customers.map(() => `m.${randomUUID()}`);
    const again = `m.${randomUUID()}`;
    const before = await rig.rawBatches();
    const sql = await statementsDuring(async () => {
      // One produce request: the normalizer takes them as one batch per partition.
      await rig.sendAll([...customers.map((psid, i) => raw.messengerText(psid, replies[i]!, `back ${i}`, t + 10_000 + i)), raw.messengerText(customers[0]!, again, 'and again', t + 20_000)]);
      await Promise.all([...replies, again].map((mid) => normalized(mid)));
    });
    const after = await rig.rawBatches();
    expect(after.replays).toBe(before.replays);
    const updates = sql.filter((q) => /UPDATE "[^"]+"\.conversations/.test(q)).length;
    // One per batch at the commit, plus one where the first customer's second reply read theirs again.
    expect(updates).toBeLessThanOrEqual(after.batches - before.batches + 1);
    expect(updates).toBeLessThan(customers.length);
    const rows = await rig.query<{ id: string; last_message_at: Date; last_inbound_at: Date; channels: string[]; status: string; messages: number }>(
      `SELECT c.id, c.last_message_at, c.last_inbound_at, c.channels, c.status, (SELECT count(*)::int FROM normalizer.messages m WHERE m.conversation_id = c.id) AS messages
         FROM normalizer.conversations c WHERE c.id = ANY($1::uuid[])`,
      [opened.map((m) => m.conversationId)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    opened.forEach((first, i) => {
      const last = i === 0 ? t + 20_000 : t + 10_000 + i;
      expect(byId.get(first.conversationId)).toEqual({ id: first.conversationId, last_message_at: new Date(last), last_inbound_at: new Date(last), channels: ['messenger'], status: 'open', messages: i === 0 ? 3 : 2 });
    });
  });

  it('keeps one conversation when the customer switches channel: Messenger chat followed up by SMS', async () => {
    const phone = frenchMobile();
    const psid = uniqueDigits(16);
    const t0 = Date.now() - 5 * 60_000;
    await rig.send(raw.messengerReferral(psid, 'spring-sale', t0));
    const mid = `m_${randomUUID()}`;
    await rig.send(raw.messengerText(psid, mid, 'Is the spring sale still on?', t0 + 1_000));
    const chat = await normalized(mid);
    // The agent asks for a phone number; the CRM links it before the customer texts.
    const link = await rig.http('POST', '/contacts/link', { customerId: `crm-${randomUUID()}`, identities: [{ channel: 'messenger', id: psid }], phones: [phone.e164] });
    expect(link.status).toBe(200);
    expect(link.json.contact.id).toBe(chat.contactId);

    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(phone.e164, sid, 'Here is my text, as promised'));
    const sms = await normalized(sid);
    expect(sms.contactId).toBe(chat.contactId);
    expect(sms.conversationId).toBe(chat.conversationId);
    const conversation = await rig.http('GET', `/conversations/${chat.conversationId}`);
    expect(conversation.json).toMatchObject({ status: 'open', channels: ['messenger', 'sms'], contactId: chat.contactId });
    expect(conversation.json.entryPoint).toMatchObject({ ref: 'spring-sale' });
    const messages = await rig.http('GET', `/conversations/${chat.conversationId}/messages`);
    expect(messages.json.items.map((m: { channel: string; contentKind: string }) => `${m.channel}:${m.contentKind}`)).toEqual(['messenger:postback', 'messenger:text', 'sms:text']);
  });

  it('lets a CRM merge two contacts explicitly and refuses a link that would steal another customer', async () => {
    const a = uniqueDigits(16);
    const b = `+1415${uniqueDigits(7)}`;
    const midA = `m_${randomUUID()}`;
    const sidB = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.messengerText(a, midA, 'hello from messenger', Date.now() - 2_000));
    await rig.send(raw.smsText(b, sidB, 'hello from sms'));
    const [ma, mb] = [await normalized(midA), await normalized(sidB)];

    const crm1 = `crm-${randomUUID()}`;
    expect((await rig.http('POST', '/contacts/link', { customerId: crm1, identities: [{ channel: 'messenger', id: a }] })).status).toBe(200);
    const steal = await rig.http('POST', '/contacts/link', { customerId: `crm-${randomUUID()}`, identities: [{ channel: 'messenger', id: a }] });
    expect(steal.status).toBe(409);
    expect(steal.type).toContain('application/problem+json');

    const merged = await rig.http('POST', `/contacts/${ma.contactId}/merge`, { sourceContactId: mb.contactId });
    expect(merged.status).toBe(200);
    expect(merged.json.moved).toEqual({ identities: 2, conversations: 1, messages: 1 });
    expect((await rig.http('POST', `/contacts/${ma.contactId}/merge`, { sourceContactId: mb.contactId })).status).toBe(409);
    expect((await rig.http('POST', `/contacts/${ma.contactId}/merge`, { sourceContactId: ma.contactId })).status).toBe(409);
    expect((await rig.http('POST', `/contacts/${ma.contactId}/merge`, { sourceContactId: randomUUID() })).status).toBe(404);
  });

  it('sets CRM attributes the router uses, and channel profile data never overwrites them', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const wamid = `wamid.${randomUUID()}`;
    await rig.send(raw.whatsappText(waId, wamid, 'hola', Date.now() - 1_000, 'Channel Name'));
    const { contactId } = await normalized(wamid);
    const patch = await rig.http('PATCH', `/contacts/${contactId}`, {
      displayName: 'Ana Ruiz (CRM)',
      tier: 'vip',
      lifetimeValue: { amount: 1234.5, currency: 'EUR' },
      openOrders: [{ orderId: 'order-4521', status: 'shipped', total: { amount: 89.9, currency: 'EUR' }, placedAt: '2026-01-10T12:00:00Z' }],
      cart: { items: 2, value: { amount: 40, currency: 'EUR' } },
      preferredChannel: 'whatsapp',
      language: 'es-MX',
      timezone: 'America/Mexico_City',
    });
    expect(patch.status).toBe(200);
    expect(patch.json).toMatchObject({
      displayName: 'Ana Ruiz (CRM)',
      locale: 'es-MX',
      timezone: 'America/Mexico_City',
      attributes: { tier: 'vip', lifetimeValue: { amount: 1234.5, currency: 'EUR' }, preferredChannel: 'whatsapp', cart: { items: 2 } },
    });
    const removed = await rig.http('PATCH', `/contacts/${contactId}`, { cart: null });
    expect(removed.json.attributes.cart).toBeUndefined();
    expect(removed.json.attributes.tier).toBe('vip');

    await rig.send(raw.whatsappText(waId, `wamid.${randomUUID()}`, 'otra vez', Date.now() - 500, 'Another Name'));
    await drained(rig);
    const after = await rig.http('GET', `/contacts/${contactId}`);
    expect(after.json).toMatchObject({ displayName: 'Ana Ruiz (CRM)', locale: 'es-MX', timezone: 'America/Mexico_City' });
  });

  it('erases a contact: personal data and message text removed, rows kept as tombstones, omni.contact.erased.v1 published', async () => {
    const phone = frenchMobile();
    const wamid = `wamid.${randomUUID()}`;
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    const whatsappSpec = raw.whatsappText(phone.waId, wamid, 'Mi dirección es Calle Falsa 123', Date.now() - 5_000);
    await rig.send(whatsappSpec);
    await rig.send(raw.smsText(phone.e164, sid, 'y mi tarjeta termina en 4242'));
    const { contactId, conversationId } = await normalized(wamid);
    await normalized(sid);
    await rig.http('POST', '/contacts/link', { customerId: `crm-${randomUUID()}`, phones: [phone.e164] });

    const erased = await rig.http('DELETE', `/contacts/${contactId}?requestedBy=crm:test`);
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({ contactId, conversationIds: [conversationId], erased: true });
    const event = await rig.tap.waitFor(Topics.contactErased, (e) => e.contactId === contactId);
    expect(event.key).toBe(contactId);
    expect(event.value).toMatchObject({ contactId, conversationIds: [conversationId], requestedBy: 'crm:test' });
    expect(event.headers.ce_source).toBe('omni/normalizer');

    const messages = await rig.query<{ content: object; content_kind: string; provider_message_id: string; raw_id: string | null; language: string | null }>(
      'SELECT content, content_kind, provider_message_id, raw_id, language FROM normalizer.messages WHERE contact_id = $1',
      [contactId],
    );
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).toEqual({ content: {}, content_kind: 'erased', provider_message_id: expect.stringMatching(/^erased:[0-9a-f]{64}$/), raw_id: null, language: null });
    }
    const dump = JSON.stringify(await rig.query('SELECT * FROM normalizer.messages WHERE contact_id = $1', [contactId]));
    expect(dump).not.toContain('Calle Falsa');
    expect(dump).not.toContain(wamid);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.identities WHERE contact_id = $1', [contactId])).toEqual([{ n: 0 }]);
    expect(await rig.query('SELECT status, display_name, attributes FROM normalizer.contacts WHERE id = $1', [contactId])).toEqual([
      { status: 'erased', display_name: null, attributes: {} },
    ]);
    expect((await rig.http('GET', `/contacts/${contactId}`)).status).toBe(410);
    expect((await rig.http('GET', `/conversations/${conversationId}`)).json).toMatchObject({ status: 'resolved', resolution: 'erased', entryPoint: null });
    expect((await rig.http('GET', `/contacts?phone=${phone.e164}`)).json.items).toEqual([]);

    // Erasing again changes nothing and publishes nothing.
    const again = await rig.http('DELETE', `/contacts/${contactId}`);
    expect(again.json.erased).toBe(false);

    // A provider replay of an erased message is still a duplicate; a new message starts afresh.
    await rig.send(whatsappSpec);
    const fresh = `wamid.${randomUUID()}`;
    await rig.send(raw.whatsappText(phone.waId, fresh, 'hola de nuevo', Date.now() - 1_000));
    const next = await normalized(fresh);
    expect(next.contactId).not.toBe(contactId);
    await drained(rig);
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(*)::int AS n FROM normalizer.outbox WHERE published_at IS NULL'))[0]!.n === 0, { description: 'outbox relayed' });
    expect(rig.tap.all(Topics.messageNormalized).filter((r) => r.value.providerMessageId === wamid)).toHaveLength(1);
    expect(rig.tap.all(Topics.contactErased).filter((r) => r.value.contactId === contactId)).toHaveLength(1);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.messages WHERE provider_message_id = $1', [wamid])).toEqual([{ n: 0 }]);
  });

  it('looks identities up by key through the unique index in the plan PostgreSQL caches for it', async () => {
    // Prepared while the table was small, the former plain join kept a hash join over the whole
    // table for as long as the connection lived.
    const plan = await genericPlan((sql, params) => rig.query(sql, params), identitiesByKeysSql('normalizer'), ['text[]', 'text[]'], ["'{sms,whatsapp}'", "'{+33600000000,33600000000}'"]);
    expect(plan.map((n) => n.type)).not.toContain('Hash Join');
    expect(scansOf(plan, 'identities')).toEqual(['Index Scan']);
  });
});
