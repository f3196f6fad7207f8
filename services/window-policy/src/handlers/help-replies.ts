import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Channel,
  create,
  DeliveryPolicy_MessagingType,
  MessagePurpose,
  OutboundApprovedSchema,
  Reasons,
  timestampFromDate,
  Topics,
  type ConsentChanged,
} from '@omni/contracts';
import { LOGGER, uuidFrom } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import type { OutboxWriter } from '@omni/persistence';
import { SETTINGS, type WindowPolicySettings } from '../settings';
import { StateStore } from '../state/store';

/**
 * SMS HELP / INFO gets the configured help text, once per provider message: the reply's ids derive
 * from the provider message id, recorded in the inbox, so a redelivered or re-sent HELP is a no-op. Where Twilio's Advanced
 * Opt-Out answers HELP itself (WINDOW_POLICY_SMS_ADVANCED_OPT_OUT), Omni stays silent, and it
 * never writes to a number that opted out (Twilio would refuse with 21610 anyway).
 */
@Injectable()
export class HelpReplies {
  constructor(
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async answer(manager: EntityManager, outbox: OutboxWriter, help: ConsentChanged, now: Date): Promise<void> {
    const counter = this.metrics.counter('omni_window_policy_help_requests_total', 'SMS HELP keywords by what Omni did', ['outcome']);
    if (this.settings.smsAdvancedOptOut) return counter.inc({ outcome: 'answered_by_twilio' });
    // The normalizer publishes a consent event per webhook delivery (Twilio retries a HELP with the
    // same MessageSid): answer the provider message once, not each event about it.
    const key = `${help.channel}:${help.accountId}:${help.providerMessageId || help.id}`;
    const schema = (manager.connection.options as { schema: string }).schema;
    const fresh: unknown[] = await manager.query(`INSERT INTO "${schema}".inbox (consumer, event_id) VALUES ('window-policy:sms-help-reply', $1) ON CONFLICT DO NOTHING RETURNING event_id`, [key]);
    if (!fresh.length) return counter.inc({ outcome: 'duplicate' });
    const store = new StateStore(manager);
    if ((await store.consentOf(Channel.SMS, help.channelUserId)) === 'opted_out') return counter.inc({ outcome: 'opted_out' });
    const state = await store.recipient(Channel.SMS, help.channelUserId);
    const requestId = uuidFrom(`help-reply:${key}`);
    const id = uuidFrom(`help-reply-approved:${key}`);
    const conversationId = state?.conversationId ?? '';
    outbox.add(
      Topics.outboundApproved,
      conversationId || help.contactId || requestId,
      create(OutboundApprovedSchema, {
        id,
        approvedAt: timestampFromDate(now),
        request: {
          id: requestId,
          conversationId,
          channel: Channel.SMS,
          accountId: help.accountId,
          recipient: { channelUserId: help.channelUserId },
          authorId: 'bot:window-policy',
          authorIsHuman: false,
          content: { text: this.settings.smsHelpText },
          requestedAt: timestampFromDate(now),
          purpose: MessagePurpose.CONVERSATIONAL,
          contactId: help.contactId,
        },
        policy: { messagingType: DeliveryPolicy_MessagingType.RESPONSE, reasons: [{ rule: Reasons.smsHelpReply.rule, detail: Reasons.smsHelpReply.meaning }] },
      }),
      { id },
    );
    counter.inc({ outcome: 'answered' });
    this.logger.info({ consentId: help.id, outboundId: requestId }, 'SMS HELP answered');
  }
}
