/**
 * Customer messages in a consumed batch (real PostgreSQL, the real handler): their windows and
 * contacts are written in one statement per round just before the commit (one round unless a
 * window or a contact repeats in the batch), and the batch leaves the same windows, contacts and
 * expiry timers as the same messages applied one by one.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Channel, create, Direction, EntryPoint_Source, MessageSchema, timestampFromDate, Topics, type Message } from '@omni/contracts';
import type { ConsumedEvent } from '@omni/messaging';
import { createLogger, Metrics } from '@omni/observability';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { loadConfig } from '@omni/service-kit';
import { consumedEvent, statementsDuring, testEnv } from '@omni/testing';
import { WindowPolicyConfig } from '../config';
import { ManualClock } from '../domain/clock';
import { WindowPolicyInitial1732300000300 } from '../migrations/1732300000300-window-policy-initial';
import { WindowPolicyContactChannel1732300000310 } from '../migrations/1732300000310-window-policy-contact-channel';
import { settingsFrom } from '../settings';
import { StateStore } from '../state/store';
import { CustomerStateHandlers } from './customer.handlers';
import { HelpReplies } from './help-replies';

const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const quiet = createLogger({ service: 'window-policy-test', level: 'silent' });

interface Init {
  channel: Channel;
  userId: string;
  contactId: string;
  minutesAgo: number;
  conversationId?: string;
  timezone?: string;
  preferredChannel?: string;
  ad?: boolean;
}

function message(init: Init): Message {
  const sent = timestampFromDate(new Date(NOW - init.minutesAgo * MINUTE));
  return create(MessageSchema, {
    id: randomUUID(),
    conversationId: init.conversationId ?? randomUUID(),
    channel: init.channel,
    contactId: init.contactId,
    contact: { preferredChannel: init.preferredChannel ?? '', timezone: init.timezone ?? '' },
    direction: Direction.INBOUND,
    sender: { channelUserId: init.userId },
    accountId: 'account-1',
    content: { kind: { case: 'text', value: { text: 'hello' } } },
    providerTimestamp: sent,
    receivedAt: sent,
    entryPoint: init.ad ? { source: EntryPoint_Source.AD } : undefined,
  });
}

function consumed(value: Message): ConsumedEvent<Message> {
  return consumedEvent(Topics.messageNormalized, value, { key: value.conversationId, eventId: value.id, source: 'omni/normalizer', time: new Date(NOW) });
}

/** The service's tables in a schema of their own, with a handler on the manual clock. */
class Service {
  readonly schema = `wp_inbound_${randomUUID().slice(0, 8)}`;
  dataSource!: DataSource;
  uow!: UnitOfWork;
  handlers!: CustomerStateHandlers;

  async open(clock: ManualClock): Promise<this> {
    this.dataSource = await openDataSource({ url: testEnv().databaseUrl, schema: this.schema, entities: [], migrations: [WindowPolicyInitial1732300000300, WindowPolicyContactChannel1732300000310] });
    this.uow = new UnitOfWork(this.dataSource, undefined, 'omni/window-policy-test', 'window-policy-test');
    const settings = settingsFrom(loadConfig(WindowPolicyConfig, { PORT: '3203' }));
    const help = new HelpReplies(settings, new Metrics('window-policy-test', { defaultMetrics: false }), quiet);
    this.handlers = new CustomerStateHandlers(this.uow, help, settings, clock, quiet);
    return this;
  }

  async close(): Promise<void> {
    await this.dataSource?.query(`DROP SCHEMA "${this.schema}" CASCADE`);
    await this.dataSource?.destroy();
  }

  /** As the consumer applies a batch: one transaction, the handler called for each record in order. */
  inBatch(messages: Message[]): Promise<void> {
    const events = messages.map(consumed);
    return this.uow.inBatch(events, async () => {
      for (const event of events) await this.handlers.onMessage(event);
    });
  }

  /** Record by record, each in its own transaction (a record consumed alone, or a failed batch replayed). */
  async oneByOne(messages: Message[]): Promise<void> {
    for (const m of messages) await this.handlers.onMessage(consumed(m));
  }

  /** Everything the messages leave behind, without the row ids and write times. */
  async contents(): Promise<{ windows: unknown[]; contacts: unknown[]; timers: unknown[] }> {
    const s = this.schema;
    return {
      windows: await this.dataSource.query(
        `SELECT channel, channel_user_id, account_id, contact_id, conversation_id, last_inbound_at, window_closes_at, window_kind, closed_by_provider_at, dms_closed_at
           FROM "${s}".channel_windows ORDER BY channel, channel_user_id`,
      ),
      contacts: await this.dataSource.query(`SELECT contact_id, preferred_channel, timezone, phone_e164 FROM "${s}".contacts ORDER BY contact_id`),
      timers: await this.dataSource.query(`SELECT kind, subject, due_at, payload, contact_id FROM "${s}".timers WHERE fired_at IS NULL ORDER BY kind, subject`),
    };
  }
}

describe('customer messages in a consumed batch (real PostgreSQL)', () => {
  const clock = new ManualClock(new Date(NOW));
  const oneByOne = new Service();
  const batched = new Service();

  beforeAll(async () => {
    await Promise.all([oneByOne.open(clock), batched.open(clock)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([oneByOne.close(), batched.close()]);
  });

  /** Runs `consume`, returning how many statements wrote windows. */
  async function windowWrites(consume: () => Promise<void>): Promise<number> {
    const writes = (await statementsDuring(consume)).filter((sql) => /INSERT INTO "[^"]+"\.channel_windows AS w \(channel, channel_user_id, account_id, contact_id, conversation_id/.test(sql));
    return writes.length;
  }

  it('writes a batch in one statement per round and leaves what the messages one by one leave', async () => {
    const [older, newer] = [randomUUID(), randomUUID()];
    const messages = [
      // One WhatsApp recipient, its messages out of order: the window keeps the newer one's time and conversation.
      message({ channel: Channel.WHATSAPP, userId: '15550001', contactId: 'contact-a', minutesAgo: 1, conversationId: newer }),
      message({ channel: Channel.WHATSAPP, userId: '15550001', contactId: 'contact-a', minutesAgo: 10, conversationId: older, timezone: 'Europe/Paris' }),
      // One contact on two channels: the facts of both messages, the blank one clearing nothing.
      message({ channel: Channel.MESSENGER, userId: 'psid-b', contactId: 'contact-b', minutesAgo: 30, preferredChannel: 'messenger' }),
      message({ channel: Channel.SMS, userId: '+15550002', contactId: 'contact-b', minutesAgo: 5 }),
      // An ad-started Messenger thread (7 days), a WhatsApp window already closed (no timer), and
      // an X recipient whose closed DMs the message reopens.
      message({ channel: Channel.MESSENGER, userId: 'psid-c', contactId: 'contact-c', minutesAgo: 120, ad: true }),
      message({ channel: Channel.WHATSAPP, userId: '15550003', contactId: 'contact-d', minutesAgo: 25 * 60 }),
      message({ channel: Channel.TWITTER, userId: 'x-1', contactId: 'contact-e', minutesAgo: 10 }),
    ];
    for (const service of [oneByOne, batched]) await new StateStore(service.dataSource.manager).recordDmsClosed(Channel.TWITTER, 'x-1', 'account-1', new Date(NOW - HOUR));

    expect(await windowWrites(() => oneByOne.oneByOne(messages))).toBe(messages.length);
    // The repeated recipient and the repeated contact each need a second round.
    expect(await windowWrites(() => batched.inBatch(messages))).toBe(2);

    const expected = await oneByOne.contents();
    expect(await batched.contents()).toEqual(expected);
    // And what one by one leaves is what each message means.
    const at = (minutesAgo: number) => new Date(NOW - minutesAgo * MINUTE);
    expect(expected.windows).toEqual([
      expect.objectContaining({ channel: Channel.MESSENGER, channel_user_id: 'psid-b', window_closes_at: new Date(at(30).getTime() + 24 * HOUR), window_kind: 'standard' }),
      expect.objectContaining({ channel: Channel.MESSENGER, channel_user_id: 'psid-c', window_closes_at: new Date(at(120).getTime() + 168 * HOUR), window_kind: 'ad_referral' }),
      expect.objectContaining({ channel: Channel.WHATSAPP, channel_user_id: '15550001', conversation_id: newer, last_inbound_at: at(1), window_closes_at: new Date(at(1).getTime() + 24 * HOUR) }),
      expect.objectContaining({ channel: Channel.WHATSAPP, channel_user_id: '15550003', last_inbound_at: at(25 * 60) }),
      expect.objectContaining({ channel: Channel.TWITTER, channel_user_id: 'x-1', contact_id: 'contact-e', last_inbound_at: at(10), dms_closed_at: null }),
      expect.objectContaining({ channel: Channel.SMS, channel_user_id: '+15550002', contact_id: 'contact-b', window_closes_at: null }),
    ]);
    expect(expected.contacts).toEqual([
      { contact_id: 'contact-a', preferred_channel: null, timezone: 'Europe/Paris', phone_e164: '+15550001' },
      { contact_id: 'contact-b', preferred_channel: 'messenger', timezone: null, phone_e164: '+15550002' },
      { contact_id: 'contact-c', preferred_channel: null, timezone: null, phone_e164: null },
      { contact_id: 'contact-d', preferred_channel: null, timezone: null, phone_e164: '+15550003' },
      { contact_id: 'contact-e', preferred_channel: null, timezone: null, phone_e164: null },
    ]);
    // 60 min before each window closes; the human-agent 7 days on Messenger; none for the closed window.
    const closes = (minutesAgo: number, hours: number) => new Date(at(minutesAgo).getTime() + hours * HOUR);
    expect(expected.timers).toEqual([
      timer(`${Channel.MESSENGER}:psid-b:human_agent`, closes(30, 168), 'human_agent', 'psid-b', 'contact-b'),
      timer(`${Channel.MESSENGER}:psid-b:standard`, closes(30, 24), 'standard', 'psid-b', 'contact-b'),
      timer(`${Channel.MESSENGER}:psid-c:human_agent`, closes(120, 168), 'human_agent', 'psid-c', 'contact-c'),
      timer(`${Channel.MESSENGER}:psid-c:standard`, closes(120, 168), 'ad_referral', 'psid-c', 'contact-c'),
      timer(`${Channel.WHATSAPP}:15550001:standard`, closes(1, 24), 'standard', '15550001', 'contact-a'),
    ]);
  });

  it('writes a batch without repeats in one statement, on top of what is there', async () => {
    const before = [
      message({ channel: Channel.MESSENGER, userId: 'psid-h', contactId: 'contact-h', minutesAgo: 120, ad: true }),
      message({ channel: Channel.WHATSAPP, userId: '15550004', contactId: 'contact-i', minutesAgo: 60, timezone: 'Europe/Paris' }),
    ];
    for (const service of [oneByOne, batched]) await service.oneByOne(before);
    const messages = [
      // A plain message inside the ad window: the ad window closes later, so it stays.
      message({ channel: Channel.MESSENGER, userId: 'psid-h', contactId: 'contact-h', minutesAgo: 3 }),
      message({ channel: Channel.WHATSAPP, userId: '15550004', contactId: 'contact-i', minutesAgo: 0, preferredChannel: 'whatsapp' }),
      message({ channel: Channel.TELEGRAM, userId: 'tg-1', contactId: 'contact-j', minutesAgo: 1 }),
    ];
    expect(await windowWrites(() => oneByOne.oneByOne(messages))).toBe(3);
    expect(await windowWrites(() => batched.inBatch(messages))).toBe(1);
    const expected = await oneByOne.contents();
    expect(await batched.contents()).toEqual(expected);
    expect(expected.windows).toContainEqual(expect.objectContaining({ channel: Channel.MESSENGER, channel_user_id: 'psid-h', window_kind: 'ad_referral', last_inbound_at: new Date(NOW - 3 * MINUTE) }));
    expect(expected.contacts).toContainEqual({ contact_id: 'contact-i', preferred_channel: 'whatsapp', timezone: 'Europe/Paris', phone_e164: '+15550004' });
  });

  it('writes a single record in its own transaction (as a failed batch is replayed)', async () => {
    const lone = message({ channel: Channel.WHATSAPP, userId: '15550009', contactId: 'contact-g', minutesAgo: 2 });
    expect(await windowWrites(() => batched.oneByOne([lone]))).toBe(1);
    const { windows, timers } = await batched.contents();
    expect(windows).toContainEqual(expect.objectContaining({ channel: Channel.WHATSAPP, channel_user_id: '15550009', contact_id: 'contact-g', last_inbound_at: new Date(NOW - 2 * MINUTE) }));
    expect(timers).toContainEqual(timer(`${Channel.WHATSAPP}:15550009:standard`, new Date(NOW - 2 * MINUTE + 24 * HOUR), 'standard', '15550009', 'contact-g'));
  });
});

function timer(subject: string, closesAt: Date, windowKind: string, channelUserId: string, contactId: string) {
  const channel = subject.split(':')[0]!;
  return { kind: 'window-expiring', subject, due_at: new Date(closesAt.getTime() - HOUR), payload: { channel, channelUserId, windowKind, closesAt: closesAt.toISOString() }, contact_id: contactId };
}
