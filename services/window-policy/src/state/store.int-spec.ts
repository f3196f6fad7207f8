/**
 * StateStore's customer messages inside a unit of work (real PostgreSQL): written together just
 * before the commit, yet every read or write of the same transaction that concerns their windows
 * or contacts sees them first, as if each had been written at once; outside a unit of work,
 * written at once.
 */
import { randomUUID } from 'node:crypto';
import { EntityManager, type DataSource } from 'typeorm';
import { Channel } from '@omni/contracts';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { statementsDuring, testEnv } from '@omni/testing';
import type { RecipientState } from '../domain/decide';
import { WindowPolicyInitial1732300000300 } from '../migrations/1732300000300-window-policy-initial';
import { WindowPolicyContactChannel1732300000310 } from '../migrations/1732300000310-window-policy-contact-channel';
import { scheduleTimer } from '../timers/timer-store';
import { StateStore, type InboundWindow } from './store';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function inbound(channel: Channel, channelUserId: string, contactId: string, minutes: number): InboundWindow {
  return { channel, channelUserId, accountId: 'account-1', contactId, conversationId: `conversation-${minutes}`, at: at(minutes), closesAt: null, kind: 'standard' };
}

describe('StateStore customer messages in a unit of work (real PostgreSQL)', () => {
  const schema = `wp_store_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: [WindowPolicyInitial1732300000300, WindowPolicyContactChannel1732300000310] });
    uow = new UnitOfWork(dataSource, undefined, 'omni/window-policy-test', 'window-policy-test');
  }, 60_000);
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  /** Runs `work` as the handler of a one-record batch; returns its statements, the inbound writes named 'write'. */
  async function inBatch(work: (store: StateStore, manager: EntityManager) => Promise<void>): Promise<string[]> {
    const sent = await statementsDuring(() => uow.inBatch([{ eventId: randomUUID(), topic: 'test' }], () => uow.run((manager) => work(new StateStore(manager), manager))));
    const statements = sent.filter((sql) => !/inbox|^(START|COMMIT)/.test(sql.trim()));
    return statements.map((sql) => (sql.includes('WITH input AS') ? 'write' : sql.trim().split(/\s+/)[0]!.toLowerCase()));
  }
  const window = async (channel: Channel, channelUserId: string) =>
    ((await dataSource.query(`SELECT last_inbound_at, dms_closed_at, contact_id FROM "${schema}".channel_windows WHERE channel = $1 AND channel_user_id = $2`, [channel, channelUserId])) as unknown[])[0];

  it('writes pending messages before a read or write of their recipient or contact, and not before others', async () => {
    const written: RecipientState[] = [];
    const statements = await inBatch(async (store) => {
      await store.recordInbound(inbound(Channel.WHATSAPP, '15551001', 'contact-1', 5), { contactId: 'contact-1', timezone: 'Europe/Paris' }, async (state) => void written.push(state));
      // Not about them: nothing written yet (another connection sees nothing either).
      expect(await store.recipient(Channel.WHATSAPP, '15559999')).toBeUndefined();
      expect(await store.contact('contact-other')).toBeUndefined();
      await store.recordConsent({ channel: Channel.WHATSAPP, channelUserId: '15551001', state: 'opted_in', at: at(6) }); // consents: no message writes them
      expect(await window(Channel.WHATSAPP, '15551001')).toBeUndefined();
      expect(written).toEqual([]);
      // The recipient's window, read: written first, and its `written` told.
      expect(await store.recipient(Channel.WHATSAPP, '15551001')).toMatchObject({ lastInboundAt: at(5), contactId: 'contact-1', consent: 'opted_in' });
      expect(written.map((s) => [s.channelUserId, s.lastInboundAt])).toEqual([['15551001', at(5)]]);
      // The contact's facts, read.
      await store.recordInbound(inbound(Channel.MESSENGER, 'psid-2', 'contact-2', 1), { contactId: 'contact-2', preferredChannel: 'messenger' });
      expect(await store.contact('contact-2')).toMatchObject({ preferred_channel: 'messenger' });
      // The contact's channels: any pending message may concern them.
      await store.recordInbound(inbound(Channel.SMS, '+15551003', 'contact-2', 2));
      expect((await store.contactChannels('contact-2')).map((s) => s.channel)).toEqual([Channel.MESSENGER, Channel.SMS]);
      // X said DMs were closed at :10, about a message of :15 still pending: in order, the message
      // (DMs open) and then the older closure, as one by one.
      await store.recordInbound(inbound(Channel.TWITTER, 'x-4', 'contact-4', 15));
      await store.recordDmsClosed(Channel.TWITTER, 'x-4', 'account-1', at(10));
    });
    expect(statements).toEqual([
      ...['select', 'select', 'select', 'insert'], // the unrelated reads (a window, then its consent; a contact) and the consent
      ...['write', 'select'], // the recipient
      ...['write', 'select'], // the contact
      ...['write', 'select'], // the contact's channels
      ...['write', 'insert'], // the closed DMs
    ]);
    expect(await window(Channel.TWITTER, 'x-4')).toEqual({ last_inbound_at: at(15), dms_closed_at: at(10), contact_id: 'contact-4' });
  });

  it('writes pending messages before an erasure, which then takes their windows, contact and timers', async () => {
    await inBatch(async (store, manager) => {
      const scheduleTimers = async (state: RecipientState) =>
        scheduleTimer(manager, { kind: 'window-expiring', subject: `${state.channel}:${state.channelUserId}:standard`, dueAt: at(60), payload: {}, contactId: state.contactId });
      await store.recordInbound(inbound(Channel.WHATSAPP, '15551005', 'contact-5', 1), { contactId: 'contact-5', phoneE164: '+15551005' }, scheduleTimers);
      await store.recordInbound(inbound(Channel.WHATSAPP, '15551006', 'contact-6', 1), undefined, scheduleTimers);
      await store.eraseContact('contact-5', []);
    });
    expect(await window(Channel.WHATSAPP, '15551005')).toBeUndefined();
    expect(await dataSource.query(`SELECT contact_id FROM "${schema}".contacts WHERE contact_id = 'contact-5'`)).toEqual([]);
    expect(await dataSource.query(`SELECT contact_id FROM "${schema}".timers WHERE contact_id IN ('contact-5', 'contact-6') ORDER BY contact_id`)).toEqual([{ contact_id: 'contact-6' }]);
  });

  it('outside a unit of work, writes at once and hands over the window as written', async () => {
    const store = new StateStore(dataSource.manager);
    await store.recordInbound(inbound(Channel.MESSENGER, 'psid-7', 'contact-7', 20));
    const written: RecipientState[] = [];
    await store.recordInbound({ ...inbound(Channel.MESSENGER, 'psid-7', 'contact-7', 10), closesAt: at(10 + 24 * 60) }, { contactId: 'contact-7', timezone: 'Asia/Tokyo' }, async (state) => void written.push(state));
    expect(written).toEqual([expect.objectContaining({ lastInboundAt: at(20), windowClosesAt: at(10 + 24 * 60), conversationId: 'conversation-20' })]);
    expect(await store.contact('contact-7')).toMatchObject({ timezone: 'Asia/Tokyo' });
  });
});
