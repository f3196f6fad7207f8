import { Channel, type Message } from '@omni/contracts';

export interface RoutingDecision {
  queue: string;
  priority: number;
  requiredSkills: string[];
  language: string;
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

/**
 * The baseline policy: every new conversation goes to the default queue at normal priority, with
 * the channel's reply deadline attached. Richer rules (skills, language, intent, VIP tier,
 * business hours) plug in here as further steps, each adding its reason.
 */
export function defaultPolicy(defaultQueue: string): RoutingPolicy {
  return {
    version: 'baseline-1',
    defaultQueue,
    decide(message, receivedAt) {
      const hours = WINDOW_HOURS[message.channel];
      return {
        queue: defaultQueue,
        priority: 0,
        requiredSkills: [],
        language: message.language,
        reasons: [{ rule: 'default-queue', detail: `no rule matched; routed to "${defaultQueue}"` }],
        replyDeadline: hours ? new Date(receivedAt.getTime() + hours * 3_600_000) : undefined,
      };
    },
  };
}
