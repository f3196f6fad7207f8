import type { EntityManager } from 'typeorm';
import { Channel, create, timestampFromDate, Topics, WindowExpiringSchema } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import type { RecipientState } from '../domain/decide';
import { HOUR_MS, type ChannelRule } from '../domain/rules';
import { StateStore } from '../state/store';
import { scheduleTimer, type DueTimer } from './timer-store';

/** The windows a customer message starts, by window_kind: when each closes. */
function closingTimes(state: RecipientState, rule: ChannelRule): Array<{ kind: string; closesAt: Date }> {
  const out: Array<{ kind: string; closesAt: Date }> = [];
  if (state.windowClosesAt) out.push({ kind: state.windowKind ?? 'standard', closesAt: state.windowClosesAt });
  if (rule.kind === 'tagged-window' && state.lastInboundAt) {
    out.push({ kind: 'human_agent', closesAt: new Date(state.lastInboundAt.getTime() + rule.humanAgentHours * HOUR_MS) });
  }
  return out;
}

/** (Re)schedules omni.window.expiring.v1 `leadMs` before each window closes; past-due ones for closed windows are skipped. */
export async function scheduleExpiringTimers(manager: EntityManager, state: RecipientState, rule: ChannelRule, leadMs: number, now: Date): Promise<void> {
  for (const { kind, closesAt } of closingTimes(state, rule)) {
    if (closesAt <= now) continue;
    // One pending timer per recipient and window kind: a later message moves it.
    const subject = `${state.channel}:${state.channelUserId}:${kind === 'ad_referral' ? 'standard' : kind}`;
    await scheduleTimer(manager, {
      kind: 'window-expiring',
      subject,
      dueAt: new Date(closesAt.getTime() - leadMs),
      payload: { channel: String(state.channel), channelUserId: state.channelUserId, windowKind: kind, closesAt: closesAt.toISOString() },
      contactId: state.contactId,
    });
  }
}

/**
 * Fires one expiring timer: the event id is the timer id, so even a re-publish after a crash is
 * recognisable downstream. Nothing is sent if the window already closed or has moved on.
 */
export async function fireExpiring(manager: EntityManager, outbox: OutboxWriter, timer: DueTimer, rule: (channel: Channel) => ChannelRule, now: Date): Promise<boolean> {
  const channel = Number(timer.payload.channel) as Channel;
  const state = await new StateStore(manager).recipient(channel, timer.payload.channelUserId ?? '');
  if (!state) return false;
  const current = closingTimes(state, rule(channel)).find((c) => c.kind === timer.payload.windowKind);
  if (!current || current.closesAt.toISOString() !== timer.payload.closesAt || current.closesAt <= now) return false;
  const key = state.conversationId || state.contactId || timer.id;
  outbox.add(
    Topics.windowExpiring,
    key,
    create(WindowExpiringSchema, {
      id: timer.id,
      conversationId: state.conversationId ?? '',
      channel,
      closesAt: timestampFromDate(current.closesAt),
      windowKind: current.kind,
      contactId: state.contactId ?? '',
    }),
    { id: timer.id },
  );
  return true;
}
