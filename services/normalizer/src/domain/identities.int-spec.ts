/**
 * Identity writes and lookups on the real schema: a contact's keys attached in one statement (in
 * key order, the channel's display name only on the channel's own identity, keys someone else
 * owns reported back untouched), BatchIdentities (one lookup for a batch's customers, answers
 * only where it is sure, kept current with what the batch attaches), what a message learns while
 * locking a known contact (its latest conversation and identities, in the same statement), and
 * the batch's buffer of new conversations.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource, TransactionHooks } from '@omni/persistence';
import { statementsDuring, testEnv } from '@omni/testing';
import { NORMALIZER_MIGRATIONS } from '../migrations';
import { BatchIdentities } from './batch-identities';
import { attachIdentities, createContact, identityKeys, resolveContactIdentities, type IdentityKey } from './contacts';
import { IdentityTakenMeanwhile, pendingContactsOf } from './new-contacts';
import { pendingConversationsOf } from './conversations';
import { customerFacts } from './customer';
import type { ConversationEntity } from './entities';
import { insertIdentities } from './rows';

describe('identities (real PostgreSQL)', () => {
  const schema = `normalizer_identities_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDataSource({
      url: testEnv().databaseUrl,
      schema,
      entities: [],
      migrations: NORMALIZER_MIGRATIONS,
    });
  }, 60_000);
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  const identities = (contactId: string) =>
    dataSource.query(`SELECT channel, channel_user_id, display_name, origin FROM "${schema}".identities WHERE contact_id = $1 ORDER BY channel`, [contactId]);

  it('attachIdentities: attaches every key, names only the channel identity, and reports the keys another contact holds', async () => {
    const number = `+3361${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}`;
    const whatsapp: IdentityKey = { channel: 'whatsapp', channelUserId: number.slice(1), origin: 'channel' };
    const phone: IdentityKey = { channel: 'phone', channelUserId: number, origin: 'derived' };
    const sms: IdentityKey = { channel: 'sms', channelUserId: number, origin: 'channel' };
    const [first, second] = await dataSource.transaction(async (manager) => [await createContact(manager), await createContact(manager)]);

    expect(await dataSource.transaction((manager) => attachIdentities(manager, first.id, [whatsapp, phone], 'Ana'))).toEqual([]);
    expect(await identities(first.id)).toEqual([
      { channel: 'phone', channel_user_id: number, display_name: null, origin: 'derived' },
      { channel: 'whatsapp', channel_user_id: number.slice(1), display_name: 'Ana', origin: 'channel' },
    ]);

    // The phone key is the first contact's: reported taken and left where it is; the rest attach.
    expect(await dataSource.transaction((manager) => attachIdentities(manager, second.id, [sms, phone], 'Ana B.'))).toEqual([phone]);
    expect(await identities(second.id)).toEqual([{ channel: 'sms', channel_user_id: number, display_name: 'Ana B.', origin: 'channel' }]);
    expect((await identities(first.id)).map((r: { channel: string }) => r.channel)).toEqual(['phone', 'whatsapp']);
    expect(await dataSource.transaction((manager) => attachIdentities(manager, second.id, []))).toEqual([]);
  });

  it("resolveContactIdentities: a customer's first message costs one lookup, then one statement for the contact and its identities", async () => {
    const waId = `3362${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}`;
    const { contact, identities: keys, statements } = await dataSource.transaction(async (manager) => {
      const query = jest.spyOn(manager, 'query');
      const resolved = await resolveContactIdentities(manager, { channel: 'whatsapp', channelUserId: waId, displayName: 'Bea', locale: 'fr_FR' });
      return { ...resolved, statements: query.mock.calls.length };
    });
    expect(statements).toBe(2);
    expect(contact).toMatchObject({ displayName: 'Bea', locale: 'fr_FR', status: 'active' });
    expect(keys?.map((k) => k.channel)).toEqual(['phone', 'whatsapp']);
    expect(await identities(contact.id)).toEqual([
      { channel: 'phone', channel_user_id: `+${waId}`, display_name: null, origin: 'derived' },
      { channel: 'whatsapp', channel_user_id: waId, display_name: 'Bea', origin: 'channel' },
    ]);
  });

  it('insertIdentities with a new contact: makes the contact, and leaves out the keys someone already has', async () => {
    const owner = await dataSource.transaction((manager) => createContact(manager));
    const taken = `taken-${randomUUID()}`;
    await dataSource.transaction((manager) => attachIdentities(manager, owner.id, [{ channel: 'messenger', channelUserId: taken, origin: 'channel' }]));
    const id = randomUUID();
    const result = await dataSource.transaction((manager) =>
      insertIdentities(
        manager,
        id,
        [
          { channel: 'messenger', channelUserId: taken, origin: 'channel', displayName: 'Late' },
          { channel: 'crm', channelUserId: `crm-${id}`, origin: 'crm', displayName: null },
        ],
        { displayName: 'Late', locale: null, timezone: null },
      ),
    );
    expect(result.contact).toMatchObject({ id, displayName: 'Late', status: 'active' });
    expect(result.inserted).toEqual([{ channel: 'crm', channelUserId: `crm-${id}` }]);
    expect(await identities(id)).toEqual([{ channel: 'crm', channel_user_id: `crm-${id}`, display_name: null, origin: 'crm' }]);
    expect((await identities(owner.id)).map((r: { channel_user_id: string }) => r.channel_user_id)).toEqual([taken]);
  });

  const key = (channel: string, channelUserId: string, origin: IdentityKey['origin'] = 'channel'): IdentityKey => ({ channel, channelUserId, origin });

  it('BatchIdentities: answers from one lookup in key order, leaves unlooked and lost keys to the database, and learns what the batch attaches', async () => {
    const [phone, whatsapp, newcomer, other] = [key('phone', '+33611111111', 'derived'), key('whatsapp', '33611111111'), key('messenger', `psid-${randomUUID()}`), key('sms', '+33622222222')];
    const owner = await dataSource.transaction(async (manager) => {
      const contact = await createContact(manager);
      await attachIdentities(manager, contact.id, [phone, whatsapp]);
      return contact.id;
    });
    let statements = 0;
    await dataSource.transaction(async (manager) => {
      const query = manager.query.bind(manager);
      manager.query = ((sql: string, params?: unknown[]) => (statements++, query(sql, params))) as typeof manager.query;
      const batch = await BatchIdentities.prepare(manager, [whatsapp, phone, newcomer, whatsapp]);
      expect(statements).toBe(1);
      expect(batch.find([phone, whatsapp])?.map((r) => [r.channel, r.contactId])).toEqual([
        ['phone', owner],
        ['whatsapp', owner],
      ]);
      expect(batch.find([newcomer])).toEqual([]); // looked up: nobody has it
      expect(batch.find([other, phone])).toBeUndefined(); // not looked up: ask the database

      batch.attached('contact-new', [newcomer], []);
      expect(batch.find([newcomer])?.map((r) => r.contactId)).toEqual(['contact-new']);
      batch.attached('contact-new', [newcomer, phone], [phone]); // the phone key was taken by someone else
      expect(batch.find([phone])).toBeUndefined();
      batch.forget([newcomer]);
      expect(batch.find([newcomer])).toBeUndefined();
      expect(statements).toBe(1);
    });
  });

  /** A contact with these keys, and conversations whose last messages were `minutesAgo`. */
  async function customerWith(keys: IdentityKey[], minutesAgo: number[] = []): Promise<{ contactId: string; conversations: string[] }> {
    const contact = await dataSource.transaction(async (manager) => {
      const made = await createContact(manager);
      await attachIdentities(manager, made.id, keys);
      return made;
    });
    const conversations: string[] = [];
    for (const minutes of minutesAgo) {
      const id = randomUUID();
      const at = new Date(Date.now() - minutes * 60_000);
      await dataSource.query(
        `INSERT INTO "${schema}".conversations (id, contact_id, status, channels, opened_at, last_message_at, reopen_count) VALUES ($1, $2, 'open', '{whatsapp}', $3, $3, 0)`,
        [id, contact.id, at],
      );
      conversations.push(id);
    }
    return { contactId: contact.id, conversations };
  }

  const waNumber = () => `3363${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}`;
  /** Is this row locked by another transaction? (NOWAIT from a connection of its own.) */
  const locked = (table: string, id: string) =>
    dataSource.query(`SELECT 1 FROM "${schema}".${table} WHERE id = $1 FOR UPDATE NOWAIT`, [id]).then(
      () => false,
      (error: { code?: string }) => error.code === '55P03',
    );

  it("a returning customer's message: the contact's lock, its latest conversation (locked) and its identities in one statement", async () => {
    const number = waNumber();
    const { contactId, conversations } = await customerWith([key('phone', `+${number}`, 'derived'), key('whatsapp', number)], [30, 5]);
    await dataSource.transaction(async (manager) => {
      const query = jest.spyOn(manager, 'query');
      const { contact, identities: created, known } = await resolveContactIdentities(manager, { channel: 'whatsapp', channelUserId: number }, {}, undefined, {});
      expect(query).toHaveBeenCalledTimes(2); // the identity lookup, then everything else
      query.mockRestore();
      expect(contact.id).toBe(contactId);
      expect(created).toBeUndefined();
      expect(known?.latest?.id).toBe(conversations[1]); // the newer one
      expect(known?.latest).toMatchObject({ contactId, status: 'open', channels: ['whatsapp'], reopenCount: 0 });
      expect(known?.latest?.lastMessageAt).toBeInstanceOf(Date);
      expect(known?.identities).toEqual((await customerFacts(manager, contactId)).identities.map((i) => ({ channel: i.namespace, channelUserId: i.value })));
      expect([await locked('contacts', contactId), await locked('conversations', conversations[1]!), await locked('conversations', conversations[0]!)]).toEqual([true, true, false]);
    });
  });

  it('knows there is no conversation, and leaves identities the message attached to be read again', async () => {
    const number = waNumber();
    const { contactId } = await customerWith([key('whatsapp', number)]); // the phone key is missing
    await dataSource.transaction(async (manager) => {
      const { contact, known } = await resolveContactIdentities(manager, { channel: 'whatsapp', channelUserId: number }, {}, undefined, {});
      expect(contact.id).toBe(contactId);
      expect(known).toEqual({ latest: null }); // no identities: the phone key was attached just now
    });
  });

  it('follows a contact merged away to its survivor, and then knows nothing more', async () => {
    const number = waNumber();
    const survivor = await customerWith([key('crm', `crm-${randomUUID()}`, 'crm')], [1]);
    const merged = await customerWith([key('phone', `+${number}`, 'derived'), key('whatsapp', number)]);
    // As a concurrent merge leaves it for a lookup that read the identities just before.
    await dataSource.query(`UPDATE "${schema}".contacts SET status = 'merged', merged_into = $2 WHERE id = $1`, [merged.contactId, survivor.contactId]);
    await dataSource.transaction(async (manager) => {
      const { contact, known } = await resolveContactIdentities(manager, { channel: 'whatsapp', channelUserId: number }, {}, undefined, {});
      expect(contact.id).toBe(survivor.contactId);
      expect(known).toBeUndefined();
    });
  });

  it("the batch's new conversations: written before a read of their contact's conversations, left buffered for another contact's", async () => {
    const [a, b] = [await customerWith([key('messenger', `psid-${randomUUID()}`)]), await customerWith([key('messenger', `psid-${randomUUID()}`)])];
    const conversation = (contactId: string) =>
      ({ id: randomUUID(), contactId, status: 'open', channels: ['messenger'], entryPoint: null, openedAt: new Date(), lastMessageAt: new Date(), lastInboundAt: null, resolvedAt: null, resolution: null, resolvedBy: null, reopenCount: 0 }) as ConversationEntity;
    const hooks = new TransactionHooks();
    await dataSource.transaction(async (manager) => {
      const pending = pendingConversationsOf(manager, hooks);
      expect(pendingConversationsOf(manager, hooks)).toBe(pending); // one per transaction
      const [ofA, ofB] = [conversation(a.contactId), conversation(b.contactId)];
      pending.add({ opened: ofA });
      const query = jest.spyOn(manager, 'query');
      await pending.flushIfHolds(b.contactId);
      expect(query).not.toHaveBeenCalled();
      await pending.flushIfHolds(a.contactId);
      expect(query).toHaveBeenCalledTimes(1);
      pending.add({ opened: ofB });
      await hooks.runBeforeCommit(); // the rest at the commit
      query.mockRestore();
      expect(await manager.query(`SELECT contact_id, channels FROM "${schema}".conversations WHERE id = ANY($1::uuid[]) ORDER BY contact_id = $2 DESC`, [[ofA.id, ofB.id], a.contactId])).toEqual([
        { contact_id: a.contactId, channels: ['messenger'] },
        { contact_id: b.contactId, channels: ['messenger'] },
      ]);
    });
  });

  it("a batch's new contacts: written in one statement at the commit, or before the lookup or lock that needs one of them", async () => {
    const number = `3361${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}`;
    const psid = `9${Math.floor(Math.random() * 1e14)}`;
    const customers = [
      { channel: 'whatsapp', channelUserId: number, displayName: 'Ana' },
      { channel: 'sms', channelUserId: `+${number}` }, // the same number: found through the phone key
      { channel: 'messenger', channelUserId: psid, locale: 'fr_FR' },
    ];
    const keys = customers.flatMap((c) => identityKeys(c.channel, c.channelUserId));
    const sql = await statementsDuring(() =>
      dataSource.transaction(async (manager) => {
        const hooks = new TransactionHooks();
        const batch = { identities: await BatchIdentities.prepare(manager, keys), created: pendingContactsOf(manager, hooks) };
        const first = await resolveContactIdentities(manager, customers[0]!, {}, batch);
        expect(first.identities?.map((k) => k.channel)).toEqual(['phone', 'whatsapp']);
        expect(batch.created.holds(first.contact.id)).toBe(true); // not written yet
        // The same person by SMS: the contact the batch created is written, then locked and given the SMS key.
        const second = await resolveContactIdentities(manager, customers[1]!, {}, batch);
        expect(second.contact.id).toBe(first.contact.id);
        expect(batch.created.holds(first.contact.id)).toBe(false);
        const third = await resolveContactIdentities(manager, customers[2]!, {}, batch);
        expect(third.contact).toMatchObject({ locale: 'fr_FR', status: 'active', attributes: {} });
        await hooks.runBeforeCommit();
        return third.contact.id;
      }),
    );
    expect(sql.filter((q) => /INSERT INTO "[^"]+"\.contacts/.test(q))).toHaveLength(2);
    const contacts = await dataSource.query(`SELECT c.id, c.display_name, c.locale, array_agg(i.channel ORDER BY i.channel) AS channels FROM "${schema}".contacts c JOIN "${schema}".identities i ON i.contact_id = c.id WHERE i.channel_user_id = ANY($1::text[]) GROUP BY c.id ORDER BY c.display_name NULLS LAST`, [[number, `+${number}`, psid]]);
    expect(contacts.map((c: { display_name: string | null; locale: string | null; channels: string[] }) => [c.display_name, c.locale, c.channels])).toEqual([
      ['Ana', null, ['phone', 'sms', 'whatsapp']],
      [null, 'fr_FR', ['messenger']],
    ]);
  });

  it("a batch's new contact whose identity someone took meanwhile fails the batch, which then writes nothing", async () => {
    const psid = `9${Math.floor(Math.random() * 1e14)}`;
    const profile = { channel: 'messenger', channelUserId: psid };
    const attempt = dataSource.transaction(async (manager) => {
      const hooks = new TransactionHooks();
      const batch = { identities: await BatchIdentities.prepare(manager, identityKeys('messenger', psid)), created: pendingContactsOf(manager, hooks) };
      await resolveContactIdentities(manager, profile, {}, batch);
      // Another instance's first message from the same person commits first.
      await dataSource.transaction((other) => resolveContactIdentities(other, profile));
      await hooks.runBeforeCommit();
    });
    await expect(attempt).rejects.toThrow(IdentityTakenMeanwhile);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".identities WHERE channel_user_id = $1`, [psid])).toEqual([{ n: 1 }]);
  });
});
