import { Channel, create, MessageSchema } from '@omni/contracts';
import { defaultPolicy, VIP_PRIORITY } from './policy';

const at = new Date('2026-11-23T10:00:00Z');
const message = (channel: Channel, tier = '') => create(MessageSchema, { channel, language: 'en', contact: { tier } });

describe('baseline routing policy', () => {
  const policy = defaultPolicy('default', ['vip', 'Gold']);

  it('routes to the default queue with the channel reply deadline and its reason', () => {
    const decision = policy.decide(message(Channel.MESSENGER), at);
    expect(decision).toMatchObject({ queue: 'default', priority: 0, language: 'en', tier: '' });
    expect(decision.replyDeadline).toEqual(new Date('2026-11-24T10:00:00Z'));
    expect(decision.reasons.map((r) => r.rule)).toEqual(['default-queue']);
  });

  it('has no deadline on channels without a window', () => {
    expect(policy.decide(message(Channel.SMS), at).replyDeadline).toBeUndefined();
  });

  it.each([['vip'], ['VIP'], ['gold']])('prioritises CRM tier %p with a reason', (tier) => {
    const decision = policy.decide(message(Channel.WHATSAPP, tier), at);
    expect(decision).toMatchObject({ priority: VIP_PRIORITY, tier });
    expect(decision.reasons.map((r) => r.rule)).toEqual(['default-queue', 'vip-tier']);
  });

  it('leaves other tiers at normal priority', () => {
    expect(policy.decide(message(Channel.WHATSAPP, 'standard'), at).priority).toBe(0);
  });
});
