import { Controller, Inject } from '@nestjs/common';
import {
  Channel,
  ConsentState,
  Direction,
  EntryPoint_Source,
  ErrorCode,
  timestampDate,
  DeliveryState,
  Topics,
  type ConsentChanged,
  type ContactErased,
  type Message,
  type MessageStatus,
} from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from '../domain/clock';
import type { RecipientState } from '../domain/decide';
import { HOUR_MS, ruleFor, windowHoursOf } from '../domain/rules';
import { SETTINGS, type WindowPolicySettings } from '../settings';
import { StateStore } from '../state/store';
import { scheduleExpiringTimers } from '../timers/expiring';
import { HelpReplies } from './help-replies';

/**
 * Everything that changes what may be sent: customer messages (the only thing that opens or
 * refreshes a window), consent changes, delivery failures that reveal a closed window or an
 * opt-out, and erasures.
 */
@Controller()
export class CustomerStateHandlers {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly help: HelpReplies,
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.messageNormalized)
  async onMessage(event: ConsumedEvent<Message>): Promise<void> {
    const message = event.value;
    const userId = message.sender?.channelUserId;
    if (message.direction !== Direction.INBOUND || message.isEcho || !userId) return;
    // Reactions and events Omni cannot read (opt-ins, edits, policy notices) are not the customer
    // writing to us: counting them could approve a send the platform then refuses.
    const kind = message.content?.kind.case;
    if (kind === 'reaction' || kind === 'unsupported') return;
    // The provider's time is what the platform counts from; never later than now (a skewed
    // provider clock must not stretch the window).
    const received = this.clock.now();
    const sent = message.providerTimestamp ? timestampDate(message.providerTimestamp) : received;
    const at = sent > received ? received : sent;
    const adReferral = message.channel === Channel.MESSENGER && message.entryPoint?.source === EntryPoint_Source.AD;
    const hours = adReferral ? this.settings.messengerAdWindowHours : windowHoursOf(message.channel);
    const contact = message.contactId
      ? {
          contactId: message.contactId,
          preferredChannel: message.contact?.preferredChannel,
          timezone: message.contact?.timezone || message.sender?.timezone,
          phoneE164: message.contact?.phoneE164 || (message.channel === Channel.SMS || message.channel === Channel.WHATSAPP ? e164(userId) : undefined),
        }
      : undefined;
    await this.uow.handle(event, async (manager) => {
      const window = {
        channel: message.channel,
        channelUserId: userId,
        accountId: message.accountId,
        contactId: message.contactId,
        conversationId: message.conversationId,
        at,
        closesAt: hours > 0 ? new Date(at.getTime() + hours * HOUR_MS) : null,
        kind: adReferral ? ('ad_referral' as const) : ('standard' as const),
      };
      // The timers follow from the window as written, which in a unit of work happens just before
      // its commit, with the batch's other messages: the clock is read then, as it was right after
      // the write when each message wrote its own window.
      const scheduleTimers = (state: RecipientState) => scheduleExpiringTimers(manager, state, ruleFor(message.channel), this.settings.expiringLeadMs, this.clock.now());
      await new StateStore(manager).recordInbound(window, contact, hours > 0 ? scheduleTimers : undefined);
    });
  }

  @OnTopic(Topics.consentChanged)
  async onConsent(event: ConsumedEvent<ConsentChanged>): Promise<void> {
    const consent = event.value;
    const at = consent.occurredAt ? timestampDate(consent.occurredAt) : event.time;
    await this.uow.handle(event, async (manager, outbox) => {
      const store = new StateStore(manager);
      if (consent.state === ConsentState.OPTED_OUT || consent.state === ConsentState.OPTED_IN) {
        await store.recordConsent({
          channel: consent.channel,
          channelUserId: consent.channelUserId,
          state: consent.state === ConsentState.OPTED_OUT ? 'opted_out' : 'opted_in',
          contactId: consent.contactId,
          keyword: consent.keyword,
          at,
        });
      } else if (consent.state === ConsentState.HELP_REQUESTED && consent.channel === Channel.SMS) {
        await this.help.answer(manager, outbox, consent, this.clock.now());
      }
    });
  }

  /** Failed sends teach us about the recipient: 21610 = opted out, 131047 / 10/2018278 = window closed, X 403 = no DMs. */
  @OnTopic(Topics.messageStatus)
  async onStatus(event: ConsumedEvent<MessageStatus>): Promise<void> {
    const status = event.value;
    const userId = status.channelUserId;
    if (status.state !== DeliveryState.FAILED || !status.error || !userId) return;
    const at = status.occurredAt ? timestampDate(status.occurredAt) : event.time;
    const code = status.error.code;
    await this.uow.handle(event, async (manager) => {
      const store = new StateStore(manager);
      if (code === ErrorCode.OPTED_OUT) {
        // SMS 21610 is a full opt-out; WhatsApp 131049/131050 stop marketing only.
        const state = status.channel === Channel.WHATSAPP ? 'marketing_opted_out' : 'opted_out';
        await store.recordConsent({ channel: status.channel, channelUserId: userId, state, keyword: `provider:${status.error!.providerCode}`, at });
      } else if (code === ErrorCode.WINDOW_CLOSED) {
        await store.recordClosedByProvider(status.channel, userId, at);
      } else if (status.channel === Channel.TWITTER && code === ErrorCode.RECIPIENT_UNAVAILABLE && !status.error!.retryable) {
        await store.recordDmsClosed(status.channel, userId, status.accountId, at);
      } else if (status.channel === Channel.TWITTER && code === ErrorCode.RATE_LIMITED && status.accountId) {
        const waitMs = Number(status.error!.retryAfterMs || 0n) || 15 * 60_000;
        await store.recordXPause(status.accountId, new Date(at.getTime() + waitMs));
      }
    });
  }

  @OnTopic(Topics.contactErased)
  async onErased(event: ConsumedEvent<ContactErased>): Promise<void> {
    const erased = event.value;
    if (!erased.contactId) return;
    await this.uow.handle(event, async (manager) => {
      await new StateStore(manager).eraseContact(erased.contactId, erased.conversationIds);
    });
    this.logger.info({ contactId: erased.contactId }, 'contact erased from window-policy');
  }
}

function e164(id: string): string | undefined {
  const digits = id.replace(/^\+/, '');
  return /^\d{6,15}$/.test(digits) ? `+${digits}` : undefined;
}
