import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { channelSlug, DeliveryState, ErrorCode, OutboundContentSchema, timestampDate, toJson, type MessageStatus, type OutboundApproved } from '@omni/contracts';
import { isUuid } from '@omni/messaging';
import { furthest, stateName } from './delivery';
import { ConversationEntity, MessageEntity, OutboundRequestEntity, PendingReceiptEntity } from './entities';
import { touchOutbound } from './conversations';
import { lockMessageNames, messageLockName } from './locks';
import { schemaOf } from './rows';

/** Keeps what an approved outbound says, so history shows it once the gateway reports it sent. */
export async function recordApproved(manager: EntityManager, approved: OutboundApproved, now: Date): Promise<boolean> {
  const request = approved.request;
  if (!request?.id || !isUuid(request.conversationId)) return false;
  const content = request.content ? (toJson(OutboundContentSchema, request.content) as object) : {};
  const schema = schemaOf(manager);
  await manager.query(
    `INSERT INTO "${schema}".outbound_requests (outbound_id, conversation_id, channel, content_kind, content, author_id, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbound_id) DO NOTHING`,
    [
      request.id,
      request.conversationId,
      channelSlug(request.channel),
      'outbound',
      JSON.stringify(content),
      request.authorId || null,
      request.requestedAt ? timestampDate(request.requestedAt) : now,
    ],
  );
  return true;
}

export type SendOutcome = 'registered' | 'attached' | 'unknown-conversation' | 'ignored';

/**
 * A gateway's send result for an outbound (omni.message.status.v1 with an outbound id): the sent
 * message joins the conversation's history under its provider id, so the provider's later
 * delivered/read receipts find it. Receipts that arrived first (kept as pending) are applied. A
 * failed send without a provider id is kept under `outbound:<outbound id>`.
 */
export async function registerSend(manager: EntityManager, status: MessageStatus, now: Date): Promise<SendOutcome> {
  const sent = status.state === DeliveryState.SENT && status.providerMessageId;
  const failed = status.state === DeliveryState.FAILED;
  if (!status.outboundId || !(sent || failed)) return 'ignored';
  if (!isUuid(status.conversationId)) return 'unknown-conversation';
  const conversation = await manager.findOne(ConversationEntity, { where: { id: status.conversationId }, lock: { mode: 'pessimistic_write' } });
  if (!conversation) return 'unknown-conversation';

  const channel = channelSlug(status.channel);
  const providerMessageId = status.providerMessageId || `outbound:${status.outboundId}`;
  await lockMessageNames(manager, [messageLockName(channel, providerMessageId)]);
  const at = status.occurredAt ? timestampDate(status.occurredAt) : now;
  const pending = await manager.findOne(PendingReceiptEntity, { where: { channel, providerMessageId } });
  const error = failed ? (ErrorCode[status.error?.code ?? ErrorCode.UNKNOWN] ?? 'UNKNOWN') : null;
  const existing = await manager.findOne(MessageEntity, { where: { channel, providerMessageId } });
  if (existing) {
    // The provider's echo of our own message got here first: it is the same message.
    const state = furthest(furthest(existing.deliveryState, stateName(status.state)), pending?.state);
    await manager.update(MessageEntity, { id: existing.id }, { outboundId: existing.outboundId ?? status.outboundId, deliveryState: state, deliveryUpdatedAt: now, deliveryError: existing.deliveryError ?? error });
    if (pending) await manager.delete(PendingReceiptEntity, { channel, providerMessageId });
    return 'attached';
  }
  const request = await manager.findOne(OutboundRequestEntity, { where: { outboundId: status.outboundId } });
  // A long text goes out in several parts, one status each: the first carries the content.
  const earlierPart = await manager.findOne(MessageEntity, { where: { outboundId: status.outboundId }, select: { id: true } });
  await manager.insert(MessageEntity, {
    id: randomUUID(),
    conversationId: conversation.id,
    contactId: conversation.contactId,
    channel,
    providerMessageId,
    direction: 'outbound',
    contentKind: earlierPart ? 'part' : (request?.contentKind ?? 'outbound'),
    content: earlierPart ? {} : (request?.content ?? {}),
    deliveryState: furthest(stateName(status.state), pending?.state),
    deliveryUpdatedAt: now,
    deliveryError: error,
    providerTimestamp: null,
    occurredAt: at > now ? now : at,
    receivedAt: now,
    rawId: null,
    language: null,
    languageConfidence: null,
    outboundId: status.outboundId,
    erasedAt: null,
  });
  if (pending) await manager.delete(PendingReceiptEntity, { channel, providerMessageId });
  await touchOutbound(manager, conversation, channel, at > now ? now : at);
  return 'registered';
}
