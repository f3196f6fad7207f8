/**
 * Identity writes and lookups on the real schema: a contact's keys attached in one statement (in
 * key order, the channel's display name only on the channel's own identity, keys someone else
 * owns reported back untouched), and BatchIdentities (one lookup for a batch's customers, answers
 * only where it is sure, kept current with what the batch attaches).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { NormalizerInitial1732300000100 } from '../migrations/1732300000100-normalizer-initial';
import { NormalizerIdentityHistory1732300000110 } from '../migrations/1732300000110-normalizer-identity-history';
import { NormalizerDedupeKey1732300000120 } from '../migrations/1732300000120-normalizer-dedupe-key';
import { BatchIdentities } from './batch-identities';
import { attachIdentities, createContact, resolveContactIdentities, type IdentityKey } from './contacts';
import { insertIdentities } from './rows';

describe('identities (real PostgreSQL)', () => {
  const schema = `normalizer_identities_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDataSource({
      url: testEnv().databaseUrl,
      schema,
      entities: [],
      migrations: [NormalizerInitial1732300000100, NormalizerIdentityHistory1732300000110, NormalizerDedupeKey1732300000120],
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
});
