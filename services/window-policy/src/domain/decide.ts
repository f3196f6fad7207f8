import {
  Alternative_Kind,
  Channel,
  DeliveryPolicy_MessagingType as MessagingType,
  MessagePurpose,
  Reasons,
  RejectionReason,
  type AlternativeSchema,
  type MessageInitShape,
  type OutboundContent,
  type OutboundRequested,
  type ReasonDefinition,
} from '@omni/contracts';
import { quietHoursEnd, type QuietHours } from './quiet-hours';
import { CHANNEL_CAPABILITIES, HOUR_MS, ruleFor } from './rules';
import { checkTemplate, suggestTemplates, type RegisteredTemplate } from './templates';

export type AlternativeInit = MessageInitShape<typeof AlternativeSchema>;
export interface Reason {
  rule: string;
  detail: string;
}

/** What window-policy knows about one recipient on one channel. */
export interface RecipientState {
  channel: Channel;
  channelUserId: string;
  accountId: string;
  contactId?: string;
  conversationId?: string;
  /** The customer's last message on the channel (opens/refreshes the window, starts HUMAN_AGENT's 7 days). */
  lastInboundAt?: Date;
  /** When the free-form window closes (last message + 24 h, or longer after an ad referral). */
  windowClosesAt?: Date;
  windowKind?: 'standard' | 'ad_referral';
  /** The provider said the window is closed (131047, 10/2018278) at this time. */
  closedByProviderAt?: Date;
  consent?: 'opted_out' | 'opted_in' | 'marketing_opted_out';
  /** X: the recipient refused DMs from the account at this time. */
  dmsClosedAt?: Date;
}

export interface PolicySettings {
  templates: readonly RegisteredTemplate[];
  quietHours: QuietHours;
}

export interface DecisionInput {
  request: OutboundRequested;
  now: Date;
  /** State of the requested recipient; undefined when Omni never heard of them. */
  recipient?: RecipientState;
  /** The same contact on other channels, for suggestions. */
  others: readonly RecipientState[];
  /** Zones the recipient may be in (quiet hours). */
  zones: readonly string[];
  /** X: ms to wait for room in the send limits (0 = room now). */
  pacingWaitMs?: number;
}

export type Decision =
  | { outcome: 'approved'; messagingType: MessagingType; tag?: string; windowClosesAt?: Date; reasons: Reason[] }
  | { outcome: 'rejected'; reason: RejectionReason; detail: string; reasons: Reason[]; alternatives: AlternativeInit[] }
  | { outcome: 'deferred'; reason: RejectionReason; detail: string; notBefore: Date; reasons: Reason[] };

const because = (definition: ReasonDefinition, detail = definition.meaning): Reason => ({ rule: definition.rule, detail });

/**
 * The outbound gate. Boundaries: a window that closes at T is open for every instant strictly
 * before T and closed at T itself (the customer's message at 10:00:00 allows a reply up to
 * 09:59:59.999 the next day; at 10:00:00 the answer is "closed"). Same for HUMAN_AGENT's 7 days.
 * Every refusal says what would work instead, and only suggests what the gateways can send.
 */
export function decide(input: DecisionInput, settings: PolicySettings): Decision {
  const decision = decideOnChannel(input, settings);
  if (decision.outcome !== 'rejected') return decision;
  return { ...decision, alternatives: [...decision.alternatives, ...elsewhere(input, settings)] };
}

/** The verdict on the requested channel alone (no cross-channel suggestions). */
export function decideOnChannel(input: DecisionInput, settings: PolicySettings): Decision {
  const { request, now, recipient } = input;
  const unsupported = unsupportedContent(request.channel, request.content);
  if (unsupported) return reject(RejectionReason.UNSUPPORTED_CONTENT, unsupported, [because(Reasons.unsupportedContent, unsupported)]);
  if (!request.recipient?.channelUserId) {
    return reject(RejectionReason.RECIPIENT_UNREACHABLE, 'the request names no recipient on this channel', [because(Reasons.noRecipient)]);
  }
  const marketing = request.purpose === MessagePurpose.MARKETING;
  if (recipient?.consent === 'opted_out') return reject(RejectionReason.OPTED_OUT, 'the customer opted out of this channel', [because(Reasons.optedOut)]);
  if (marketing && recipient?.consent === 'marketing_opted_out') {
    return reject(RejectionReason.OPTED_OUT, 'the customer stopped marketing messages on this channel', [because(Reasons.marketingOptedOut)]);
  }

  const rule = ruleFor(request.channel);
  const windowOpen = isWindowOpen(recipient, now);
  const proactive = request.purpose === MessagePurpose.TRANSACTIONAL || marketing;
  switch (rule.kind) {
    case 'tagged-window': {
      if (windowOpen) {
        const reasons = [because(recipient!.windowKind === 'ad_referral' ? Reasons.messengerAdReferral : Reasons.messenger24h)];
        return approve(proactive ? MessagingType.UPDATE : MessagingType.RESPONSE, reasons, recipient!.windowClosesAt);
      }
      const humanUntil = recipient?.lastInboundAt ? new Date(recipient.lastInboundAt.getTime() + rule.humanAgentHours * HOUR_MS) : undefined;
      const withinHumanAgent = humanUntil !== undefined && now < humanUntil;
      if (withinHumanAgent && request.authorIsHuman && !proactive) {
        return { outcome: 'approved', messagingType: MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT', windowClosesAt: humanUntil, reasons: [because(Reasons.messengerHumanAgent)] };
      }
      const alternatives: AlternativeInit[] = [];
      if (withinHumanAgent && !proactive) {
        alternatives.push({
          kind: Alternative_Kind.USE_TAG,
          tag: 'HUMAN_AGENT',
          channel: Channel.MESSENGER,
          recipientId: request.recipient.channelUserId,
          detail: `hand over to a human agent: their own reply may go out with the HUMAN_AGENT tag until ${humanUntil!.toISOString()}`,
        });
      }
      return proactive
        ? reject(RejectionReason.WINDOW_CLOSED, 'Messenger window is closed; proactive tags answer error 100 since 2026-04-27', [because(Reasons.messengerTagsRetired)], alternatives)
        : reject(RejectionReason.WINDOW_CLOSED, 'Messenger window is closed and this is not a human agent’s reply within 7 days', [because(Reasons.messengerWindowClosed)], alternatives);
    }
    case 'template-window': {
      const template = request.content?.template;
      if (template) {
        const check = checkTemplate(settings.templates, template);
        if (!check.ok) {
          return reject(RejectionReason.TEMPLATE_INVALID, check.problem, [because(Reasons.whatsappTemplateInvalid, check.problem)], templateAlternatives(settings, marketing, request));
        }
        if (marketing && check.template.category !== 'MARKETING') {
          const detail = `a marketing message must use a MARKETING template, "${template.name}" is ${check.template.category}`;
          return reject(RejectionReason.TEMPLATE_INVALID, detail, [because(Reasons.whatsappTemplateInvalid, detail)], templateAlternatives(settings, true, request));
        }
        return approve(MessagingType.UPDATE, [because(Reasons.whatsappTemplate)]);
      }
      if (windowOpen) return approve(MessagingType.RESPONSE, [because(Reasons.whatsapp24h)], recipient!.windowClosesAt);
      const closedBy = recipient?.closedByProviderAt && windowWasOpenByTime(recipient, now) ? [because(Reasons.windowClosedByProvider)] : [];
      return reject(
        RejectionReason.TEMPLATE_REQUIRED,
        'WhatsApp customer service window is closed; only a registered template may be sent',
        [because(Reasons.whatsappTemplateRequired), ...closedBy],
        templateAlternatives(settings, marketing, request),
      );
    }
    case 'consent': {
      if (marketing) {
        const until = quietHoursEnd(now, input.zones, settings.quietHours);
        if (until) {
          return {
            outcome: 'deferred',
            reason: RejectionReason.QUIET_HOURS,
            detail: `quiet hours in the recipient’s local time (${input.zones.join(', ')}) until ${until.toISOString()}`,
            notBefore: until,
            reasons: [because(Reasons.smsQuietHours)],
          };
        }
      }
      return approve(MessagingType.RESPONSE, [because(Reasons.smsConsent)]);
    }
    case 'dm-settings': {
      if (recipient?.dmsClosedAt && !(recipient.lastInboundAt && recipient.lastInboundAt > recipient.dmsClosedAt)) {
        return reject(RejectionReason.RECIPIENT_UNREACHABLE, 'the X recipient does not accept Direct Messages from this account', [because(Reasons.twitterDmsClosed)]);
      }
      if (input.pacingWaitMs && input.pacingWaitMs > 0) {
        const notBefore = new Date(now.getTime() + input.pacingWaitMs);
        return { outcome: 'deferred', reason: RejectionReason.BUDGET_EXHAUSTED, detail: `X send limits: room again at ${notBefore.toISOString()}`, notBefore, reasons: [because(Reasons.twitterPacing)] };
      }
      return approve(MessagingType.RESPONSE, [because(Reasons.twitterAcceptsDms)]);
    }
    case 'no-window':
      return approve(MessagingType.RESPONSE, [because(Reasons.noWindow)]);
  }
}

/** Open strictly before its closing instant, unless the provider closed it after the last message. */
export function isWindowOpen(state: RecipientState | undefined, now: Date): boolean {
  if (!windowWasOpenByTime(state, now)) return false;
  return !(state!.closedByProviderAt && state!.lastInboundAt && state!.closedByProviderAt >= state!.lastInboundAt);
}

function windowWasOpenByTime(state: RecipientState | undefined, now: Date): boolean {
  return !!state?.windowClosesAt && now < state.windowClosesAt;
}

/**
 * Content the channel's gateway could not format (its formatter would throw, or send nothing):
 * a template where the channel has none, media with nothing to fetch, or nothing at all.
 */
export function unsupportedContent(channel: Channel, content: OutboundContent | undefined): string | undefined {
  const capabilities = CHANNEL_CAPABILITIES[channel];
  if (!content) return 'the request has no content';
  if (content.template) {
    if (!capabilities?.templates) return 'this channel has no message templates';
    if (!content.template.name || !content.template.language) return 'a template needs a name and a language';
  }
  if (content.media && !content.media.url && !content.media.providerMediaId) return 'media needs a URL or a provider media id';
  const sendable =
    !!content.text ||
    !!content.template ||
    !!content.media ||
    content.quickReplies.length > 0 ||
    content.buttons.length > 0 ||
    content.cards.length > 0 ||
    content.senderAction !== 0 ||
    !!content.reaction;
  return sendable ? undefined : 'the content is empty';
}

function templateAlternatives(settings: PolicySettings, marketing: boolean, request: OutboundRequested): AlternativeInit[] {
  return suggestTemplates(settings.templates, marketing).map((t) => ({
    kind: Alternative_Kind.USE_TEMPLATE,
    channel: request.channel,
    recipientId: request.recipient?.channelUserId ?? '',
    templateName: t.name,
    templateLanguage: t.language,
    templateCategory: t.category,
    detail: `send the registered ${t.category} template "${t.name}" (${t.language})`,
  }));
}

/**
 * Other channels where the same contact can be reached now: each is checked with the same rules
 * (as an automated message of the same purpose), so only what would be approved is suggested.
 * Last, an e-mail-ready event for the CRM when the contact is known.
 */
function elsewhere(input: DecisionInput, settings: PolicySettings): AlternativeInit[] {
  const alternatives: AlternativeInit[] = [];
  const seen = new Set<Channel>([input.request.channel]);
  for (const other of input.others) {
    if (seen.has(other.channel)) continue;
    const probe: DecisionInput = {
      ...input,
      request: { ...input.request, channel: other.channel, recipient: { ...input.request.recipient!, channelUserId: other.channelUserId }, authorIsHuman: false },
      recipient: other,
      others: [],
    };
    const content = input.request.content;
    if (content?.template && !CHANNEL_CAPABILITIES[other.channel]?.templates) {
      // A template means nothing elsewhere: probe with its text-free equivalent (the caller's own text).
      probe.request = { ...probe.request, content: { ...content, template: undefined } };
    }
    const verdict = decideOnChannel(probe, settings);
    if (verdict.outcome === 'approved' || verdict.outcome === 'deferred') {
      seen.add(other.channel);
      alternatives.push({
        kind: Alternative_Kind.OTHER_CHANNEL,
        channel: other.channel,
        recipientId: other.channelUserId,
        notBefore: undefined,
        detail: verdict.outcome === 'approved' ? `reach the contact on ${Channel[other.channel]} (${verdict.reasons[0]!.rule})` : `reach the contact on ${Channel[other.channel]} after ${verdict.notBefore.toISOString()}`,
      });
    } else if (verdict.reason === RejectionReason.TEMPLATE_REQUIRED) {
      seen.add(other.channel);
      alternatives.push(...verdict.alternatives.filter((a) => a.kind === Alternative_Kind.USE_TEMPLATE).map((a) => ({ ...a, recipientId: other.channelUserId })));
    }
  }
  const contactId = input.request.contactId;
  if (contactId) {
    alternatives.push({ kind: Alternative_Kind.EMAIL_FOLLOW_UP, recipientId: contactId, detail: 'follow up by e-mail: the CRM can act on this rejection as an e-mail-ready event for the contact' });
  }
  return alternatives;
}

function approve(messagingType: MessagingType, reasons: Reason[], windowClosesAt?: Date): Decision {
  return { outcome: 'approved', messagingType, reasons, ...(windowClosesAt ? { windowClosesAt } : {}) };
}

function reject(reason: RejectionReason, detail: string, reasons: Reason[], alternatives: AlternativeInit[] = []): Decision {
  return { outcome: 'rejected', reason, detail, reasons, alternatives };
}
