import { Channel, DeliveryState, ErrorCode, timestampFromDate } from '@omni/contracts';
import type { ChannelEvent, MessageStatusInit } from '@omni/channel-sdk';
import { mapTwilioError } from './errors';

/**
 * Twilio MessageStatus → canonical state (twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks).
 * Statuses Omni does not track (inbound-only `receiving`/`received`, anything new) stay
 * UNSPECIFIED but are still emitted: nothing is dropped.
 */
const STATES: Record<string, DeliveryState> = {
  accepted: DeliveryState.ACCEPTED,
  scheduled: DeliveryState.ACCEPTED,
  queued: DeliveryState.ACCEPTED,
  sending: DeliveryState.ACCEPTED,
  sent: DeliveryState.SENT,
  // Some segments reached the handset: more than sent, not yet delivered as a whole.
  partially_delivered: DeliveryState.SENT,
  delivered: DeliveryState.DELIVERED,
  read: DeliveryState.READ,
  undelivered: DeliveryState.FAILED,
  failed: DeliveryState.FAILED,
  canceled: DeliveryState.FAILED,
};

export interface StatusCallbackFields {
  messageSid: string;
  messageStatus: string;
  errorCode?: string;
  from: string;
  to: string;
  numSegments?: string;
}

/**
 * One status callback → one status event, deduplicated on MessageSid + MessageStatus. Callbacks
 * carry no time (RawDlrDoneDate is UNVERIFIED), so the time is when Omni received it.
 */
export function statusCallbackToEvent(fields: StatusCallbackFields, receivedAt: Date): ChannelEvent {
  const status: MessageStatusInit = {
    channel: Channel.SMS,
    providerMessageId: fields.messageSid,
    state: STATES[fields.messageStatus] ?? DeliveryState.UNSPECIFIED,
    occurredAt: timestampFromDate(receivedAt),
    channelUserId: fields.to,
    accountId: fields.from,
  };
  const segments = fields.numSegments && /^\d+$/.test(fields.numSegments) ? Number(fields.numSegments) : undefined;
  if (segments !== undefined) status.segments = segments;
  const code = fields.errorCode && /^\d+$/.test(fields.errorCode) ? Number(fields.errorCode) : undefined;
  if (code !== undefined && code !== 0) {
    status.error = mapTwilioError({ code });
  } else if (fields.messageStatus === 'canceled') {
    status.error = { code: ErrorCode.UNKNOWN, retryable: false, retryAfterMs: 0n, providerCode: 'canceled', message: 'the scheduled message was canceled' };
  } else if (status.state === DeliveryState.FAILED) {
    status.error = { code: ErrorCode.UNKNOWN, retryable: false, retryAfterMs: 0n, providerCode: fields.messageStatus, message: `Twilio reported ${fields.messageStatus} without an error code` };
  }
  return { type: 'status', dedupeKey: `${fields.messageSid}:${fields.messageStatus}`, status };
}
