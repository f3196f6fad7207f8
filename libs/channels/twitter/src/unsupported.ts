import { createHash } from 'node:crypto';
import { Channel, Direction, timestampFromDate, timestampFromMs } from '@omni/contracts';
import { safeJsonText, type ChannelEvent, type MessageInit } from '@omni/channel-sdk';

export interface UnsupportedInput {
  /** The provider's own name for the kind: 'favorite_events', 'user_event.revoke', 'chat.received'. */
  providerType: string;
  json: unknown;
  accountId: string;
  receivedAt: Date;
  providerMessageId?: string;
  /** Event id that identifies a delivery (XAA `event_uuid`) when there is no message id. */
  eventId?: string;
  /** Who acted (favorited, revoked, sent the XChat message); the account when nobody is named. */
  senderId?: string;
  /**
   * For outbound kinds (our own XChat sends, the business's own typing / read): the customer it
   * was about. The normalizer files an outbound message under its recipient, so one is always set
   * for outbound events (the account when nobody is named) — without it the record could not be
   * stored and would end in the DLQ.
   */
  recipientId?: string;
  timestampMs?: number;
  outbound?: boolean;
}

/**
 * Anything the canonical model cannot represent yet becomes a message with `unsupported` content
 * and the provider's JSON: kept in history, counted, never dropped. The dedupe key is the provider
 * id when there is one, else a hash of the account and the JSON, so a redelivery of the same event
 * collapses onto the first one; without a provider message id that key stands in for it. Events
 * without a time of their own are dated when Omni received them.
 */
export function unsupportedEvent(input: UnsupportedInput): ChannelEvent {
  const providerJson = safeJsonText(input.json);
  const identity =
    input.providerMessageId ??
    input.eventId ??
    createHash('sha256').update(`${input.accountId}\n${providerJson}`).digest('hex').slice(0, 32);
  const dedupeKey = `${input.providerType}:${identity}`;
  const message: MessageInit = {
    channel: Channel.TWITTER,
    providerMessageId: input.providerMessageId ?? dedupeKey,
    direction: input.outbound ? Direction.OUTBOUND : Direction.INBOUND,
    isEcho: !!input.outbound,
    accountId: input.accountId,
    sender: { channelUserId: input.senderId || input.accountId },
    ...(input.outbound ? { recipient: { channelUserId: input.recipientId || input.accountId } } : {}),
    receivedAt: timestampFromDate(input.receivedAt),
    providerTimestamp: input.timestampMs !== undefined ? timestampFromMs(input.timestampMs) : timestampFromDate(input.receivedAt),
    content: { kind: { case: 'unsupported', value: { providerType: input.providerType, providerJson } } },
  };
  return { type: 'message', dedupeKey, message };
}
