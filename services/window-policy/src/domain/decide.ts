import {
  Alternative_Kind,
  Channel,
  DeliveryPolicy_MessagingType,
  RejectionReason,
  type OutboundRequested,
} from '@omni/contracts';

const HOUR = 3_600_000;

export interface WindowFacts {
  /** Last customer message in the conversation, if any. */
  lastInboundAt?: Date;
  optedOut: boolean;
  now: Date;
}

export type Verdict =
  | {
      approved: true;
      messagingType: DeliveryPolicy_MessagingType;
      tag?: string;
      windowClosesAt?: Date;
      reasons: Array<{ rule: string; detail: string }>;
    }
  | {
      approved: false;
      reason: RejectionReason;
      detail: string;
      alternatives: Array<{ kind: Alternative_Kind; tag?: string; templateCategory?: string; detail: string }>;
    };

/**
 * The outbound gate: one function for every channel rule. A refusal always says what would work
 * instead (a tag, a template, another channel). The decision table is in docs/window-policy.md.
 */
export function decide(request: OutboundRequested, facts: WindowFacts): Verdict {
  if (facts.optedOut) {
    return {
      approved: false,
      reason: RejectionReason.OPTED_OUT,
      detail: 'the customer opted out of this channel',
      alternatives: [{ kind: Alternative_Kind.OTHER_CHANNEL, detail: 'reach the customer on a channel they have not opted out of' }],
    };
  }
  const sinceInbound = facts.lastInboundAt ? facts.now.getTime() - facts.lastInboundAt.getTime() : Number.POSITIVE_INFINITY;
  const closesAt = (hours: number) => (facts.lastInboundAt ? new Date(facts.lastInboundAt.getTime() + hours * HOUR) : undefined);
  switch (request.channel) {
    case Channel.MESSENGER:
      if (sinceInbound <= 24 * HOUR) {
        return { approved: true, messagingType: DeliveryPolicy_MessagingType.RESPONSE, windowClosesAt: closesAt(24), reasons: [{ rule: 'messenger-24h', detail: 'inside the 24-hour standard window' }] };
      }
      if (request.authorIsHuman && sinceInbound <= 7 * 24 * HOUR) {
        return {
          approved: true,
          messagingType: DeliveryPolicy_MessagingType.MESSAGE_TAG,
          tag: 'HUMAN_AGENT',
          windowClosesAt: closesAt(7 * 24),
          reasons: [{ rule: 'messenger-human-agent', detail: 'human reply within 7 days: HUMAN_AGENT tag' }],
        };
      }
      return {
        approved: false,
        reason: RejectionReason.WINDOW_CLOSED,
        detail: 'Messenger 24-hour window is closed',
        alternatives: [
          ...(sinceInbound <= 7 * 24 * HOUR ? [{ kind: Alternative_Kind.USE_TAG, tag: 'HUMAN_AGENT', detail: 'a human agent may reply with the HUMAN_AGENT tag within 7 days' }] : []),
          { kind: Alternative_Kind.USE_TEMPLATE, templateCategory: 'UTILITY', detail: 'send an approved utility message' },
          { kind: Alternative_Kind.OTHER_CHANNEL, detail: 'reach the customer on another channel' },
        ],
      };
    case Channel.WHATSAPP:
      if (request.content?.template) {
        return { approved: true, messagingType: DeliveryPolicy_MessagingType.UPDATE, reasons: [{ rule: 'whatsapp-template', detail: 'approved template: allowed at any time' }] };
      }
      if (sinceInbound <= 24 * HOUR) {
        return { approved: true, messagingType: DeliveryPolicy_MessagingType.RESPONSE, windowClosesAt: closesAt(24), reasons: [{ rule: 'whatsapp-24h', detail: 'inside the 24-hour customer service window' }] };
      }
      return {
        approved: false,
        reason: RejectionReason.TEMPLATE_REQUIRED,
        detail: 'WhatsApp customer service window is closed; only templates may be sent',
        alternatives: [
          { kind: Alternative_Kind.USE_TEMPLATE, templateCategory: 'UTILITY', detail: 'send an approved template' },
          { kind: Alternative_Kind.OTHER_CHANNEL, detail: 'reach the customer on another channel' },
        ],
      };
    case Channel.TELEGRAM:
      // A bot may write to anyone who started it, at any time, until they block it (an opt-out).
      return { approved: true, messagingType: DeliveryPolicy_MessagingType.RESPONSE, reasons: [{ rule: 'telegram-no-window', detail: 'Telegram bots have no messaging window' }] };
    default:
      return { approved: true, messagingType: DeliveryPolicy_MessagingType.RESPONSE, reasons: [{ rule: 'no-window', detail: 'the channel has no reply window' }] };
  }
}
