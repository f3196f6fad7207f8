import { Channel, type Message } from '@omni/contracts';

export interface RoutingDecision {
  queue: string;
  priority: number;
  requiredSkills: string[];
  language: string;
  tier: string;
  reasons: Array<{ rule: string; detail: string }>;
  /** When the channel's reply window closes, if it has one. */
  replyDeadline?: Date;
}

export interface RoutingPolicy {
  version: string;
  defaultQueue: string;
  decide(message: Message, receivedAt: Date): RoutingDecision;
}

const WINDOW_HOURS: Partial<Record<Channel, number>> = { [Channel.MESSENGER]: 24, [Channel.WHATSAPP]: 24 };

/** Priority given to customers whose CRM tier is one of the VIP tiers. */
export const VIP_PRIORITY = 10;

/**
 * The baseline policy: every new conversation goes to the default queue with the channel's reply
 * deadline attached; a customer whose CRM tier (carried on the message's contact profile) is a VIP
 * tier gets a higher priority. Richer rules (skills, language, intent, business hours) plug in here
 * as further steps, each adding its reason.
 */
export function defaultPolicy(defaultQueue: string, vipTiers: readonly string[] = ['vip']): RoutingPolicy {
  const vip = new Set(vipTiers.map((t) => t.toLowerCase()));
  return {
    version: 'baseline-2',
    defaultQueue,
    decide(message, receivedAt) {
      const hours = WINDOW_HOURS[message.channel];
      const tier = message.contact?.tier ?? '';
      const reasons = [{ rule: 'default-queue', detail: `no rule matched; routed to "${defaultQueue}"` }];
      const isVip = tier !== '' && vip.has(tier.toLowerCase());
      if (isVip) reasons.push({ rule: 'vip-tier', detail: `CRM tier "${tier}" is prioritised` });
      return {
        queue: defaultQueue,
        priority: isVip ? VIP_PRIORITY : 0,
        requiredSkills: [],
        language: message.language,
        tier,
        reasons,
        replyDeadline: hours ? new Date(receivedAt.getTime() + hours * 3_600_000) : undefined,
      };
    },
  };
}
