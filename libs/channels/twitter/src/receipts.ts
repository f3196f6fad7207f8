import { Channel, DeliveryState, timestampFromDate, timestampFromMs } from '@omni/contracts';
import type { ChannelEvent, MessageStatusInit } from '@omni/channel-sdk';
import { asEpochMs, asObject, asString, type JsonObject } from './fields';
import { snowflakeTimeMs } from './snowflake';
import { unsupportedEvent } from './unsupported';

interface ReceiptContext {
  accountId: string;
  receivedAt: Date;
  /** Where the item came from, for unsupported content. */
  source: string;
}

/**
 * `direct_message_indicate_typing_events[]` item (`{created_timestamp, sender_id, target}`) → an
 * ephemeral status with typing=true. Typing by the business itself (its own phone app) is not a
 * customer signal; it is kept as unsupported rather than shown as the customer typing.
 */
export function typingToStatus(item: JsonObject, ctx: ReceiptContext): ChannelEvent {
  const senderId = asString(item['sender_id']);
  const createdMs = asEpochMs(item['created_timestamp']);
  if (!senderId || senderId === ctx.accountId) return ownOrBroken(item, ctx, senderId, createdMs);
  const status: MessageStatusInit = {
    channel: Channel.TWITTER,
    state: DeliveryState.UNSPECIFIED,
    typing: true,
    channelUserId: senderId,
    accountId: ctx.accountId,
    occurredAt: createdMs !== undefined ? timestampFromMs(createdMs) : timestampFromDate(ctx.receivedAt),
  };
  return { type: 'status', dedupeKey: `typing:${senderId}:${createdMs ?? ''}`, status };
}

/**
 * `direct_message_mark_read_events[]` item → READ for every message up to and including
 * `last_read_event_id`. The status names that event as its provider message id and also carries a
 * time watermark derived from the id (Snowflake), since the canonical watermark is a time.
 */
export function readToStatus(item: JsonObject, ctx: ReceiptContext): ChannelEvent {
  const senderId = asString(item['sender_id']);
  const lastRead = asString(item['last_read_event_id']);
  const createdMs = asEpochMs(item['created_timestamp']);
  if (!senderId || !lastRead || senderId === ctx.accountId) return ownOrBroken(item, ctx, senderId, createdMs);
  const status: MessageStatusInit = {
    channel: Channel.TWITTER,
    state: DeliveryState.READ,
    providerMessageId: lastRead,
    channelUserId: senderId,
    accountId: ctx.accountId,
    occurredAt: createdMs !== undefined ? timestampFromMs(createdMs) : timestampFromDate(ctx.receivedAt),
  };
  const watermarkMs = snowflakeTimeMs(lastRead);
  if (watermarkMs !== undefined) status.watermark = timestampFromMs(watermarkMs);
  return { type: 'status', dedupeKey: `read:${senderId}:${lastRead}`, status };
}

function ownOrBroken(item: JsonObject, ctx: ReceiptContext, senderId: string | undefined, createdMs: number | undefined) {
  const own = !!senderId && senderId === ctx.accountId;
  return unsupportedEvent({
    providerType: own ? `${ctx.source}:self` : ctx.source,
    json: item,
    accountId: ctx.accountId,
    receivedAt: ctx.receivedAt,
    senderId,
    recipientId: own ? asString(asObject(item['target'])?.['recipient_id']) : undefined,
    timestampMs: createdMs,
    outbound: own,
  });
}
