import { Channel, ConsentChangedSchema, ConsentState, create } from '@omni/contracts';
import { Metrics, createLogger } from '@omni/observability';
import type { OutboxWriter } from '@omni/persistence';
import type { EntityManager } from 'typeorm';
import { parseQuietHours } from '../domain/quiet-hours';
import type { WindowPolicySettings } from '../settings';
import { HelpReplies } from './help-replies';

describe('SMS HELP with Twilio Advanced Opt-Out', () => {
  it('stays silent when Twilio answers HELP itself (WINDOW_POLICY_SMS_ADVANCED_OPT_OUT=true), touching nothing', async () => {
    const settings = { smsAdvancedOptOut: true, smsHelpText: 'help', quietHours: parseQuietHours('21:00-08:00') } as WindowPolicySettings;
    const metrics = new Metrics('window-policy');
    const help = new HelpReplies(settings, metrics, createLogger({ service: 'test', level: 'silent' }));
    const added: unknown[] = [];
    const outbox = { add: (...args: unknown[]) => added.push(args) } as unknown as OutboxWriter;
    // No database is reached on this path: any query would throw.
    const manager = new Proxy({}, { get: () => { throw new Error('no database access expected'); } }) as EntityManager;
    const consent = create(ConsentChangedSchema, { id: 'c1', channel: Channel.SMS, channelUserId: '+14155550123', accountId: '+14155550100', state: ConsentState.HELP_REQUESTED, keyword: 'HELP', providerMessageId: 'SM1' });
    await help.answer(manager, outbox, consent, new Date('2026-12-01T12:00:00Z'));
    expect(added).toEqual([]);
    expect((await metrics.render()).body).toMatch(/omni_window_policy_help_requests_total\{[^}]*outcome="answered_by_twilio"[^}]*\} 1/);
  });
});
