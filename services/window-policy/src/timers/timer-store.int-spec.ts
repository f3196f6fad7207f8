/**
 * Timers scheduled inside a unit of work (real PostgreSQL): written together just before the
 * commit, the last one of a (kind, subject) winning, yet visible to every timer reader of the same
 * transaction; outside a unit of work, written at once.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDataSource, UnitOfWork } from '@omni/persistence';
import { testEnv } from '@omni/testing';
import { WindowPolicyInitial1732300000300 } from '../migrations/1732300000300-window-policy-initial';
import { WindowPolicyContactChannel1732300000310 } from '../migrations/1732300000310-window-policy-contact-channel';
import { StateStore } from '../state/store';
import { claimDueTimers, nextTimerDue, scheduleTimer } from './timer-store';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

describe('timers in a unit of work (real PostgreSQL)', () => {
  const schema = `wp_timers_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let uow: UnitOfWork;

  beforeAll(async () => {
    dataSource = await openDataSource({ url: testEnv().databaseUrl, schema, entities: [], migrations: [WindowPolicyInitial1732300000300, WindowPolicyContactChannel1732300000310] });
    uow = new UnitOfWork(dataSource, undefined, 'omni/window-policy-test', 'window-policy-test');
  }, 60_000);
  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${schema}".timers`);
  });
  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  const pending = async () =>
    (await dataSource.query(`SELECT subject, due_at, payload, contact_id FROM "${schema}".timers WHERE fired_at IS NULL ORDER BY subject`)) as Array<{ subject: string; due_at: Date; payload: unknown; contact_id: string | null }>;
  const timer = (subject: string, ms: number, contactId?: string) => ({ kind: 'window-expiring' as const, subject, dueAt: at(ms), payload: { n: String(ms) }, contactId });

  it("writes a batch's timers in one go before the commit, the last one of a subject winning", async () => {
    await uow.inBatch([{ eventId: randomUUID(), topic: 'test' }], () =>
      uow.run(async (manager) => {
        await scheduleTimer(manager, timer('messenger:u1', 1_000, 'c1'));
        await scheduleTimer(manager, timer('messenger:u2', 2_000));
        await scheduleTimer(manager, timer('messenger:u1', 3_000, 'c1')); // the customer wrote again: moved
        expect(await pending()).toEqual([]); // another connection: nothing written yet
      }),
    );
    expect(await pending()).toEqual([
      { subject: 'messenger:u1', due_at: at(3_000), payload: { n: '3000' }, contact_id: 'c1' },
      { subject: 'messenger:u2', due_at: at(2_000), payload: { n: '2000' }, contact_id: null },
    ]);
    // Scheduling an existing pending timer again moves it (the partial unique index).
    await uow.run((manager) => scheduleTimer(manager, timer('messenger:u2', 500)));
    expect((await pending()).map((t) => [t.subject, t.due_at])).toEqual([
      ['messenger:u1', at(3_000)],
      ['messenger:u2', at(500)],
    ]);
  });

  it('lets the same transaction see its pending timers: next due, claim, erasure', async () => {
    await uow.run(async (manager) => {
      await scheduleTimer(manager, timer('sms:a', 1_000, 'erased-contact'));
      await scheduleTimer(manager, timer('sms:b', 4_000));
      expect(await nextTimerDue(manager)).toEqual(at(1_000));
      await scheduleTimer(manager, timer('sms:c', 2_000));
      expect((await claimDueTimers(manager, at(2_500), 'test', 10)).map((t) => t.subject)).toEqual(['sms:a', 'sms:c']);
      await scheduleTimer(manager, timer('sms:d', 5_000, 'erased-contact'));
      await new StateStore(manager).eraseContact('erased-contact', []);
    });
    expect((await pending()).map((t) => t.subject)).toEqual(['sms:b']);
  });

  it('outside a unit of work, writes at once', async () => {
    await scheduleTimer(dataSource.manager, timer('whatsapp:now', 1_000));
    expect((await pending()).map((t) => t.subject)).toEqual(['whatsapp:now']);
  });
});
