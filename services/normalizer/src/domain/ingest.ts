import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { ChannelEvent } from '@omni/channel-sdk';
import {
  channelSlug,
  ContentSchema,
  create,
  DeliveryState,
  Direction,
  MessageSchema,
  MessageStatusSchema,
  ConsentChangedSchema,
  timestampDate,
  timestampFromDate,
  toJson,
  Topics,
  type Message,
  type RawRef,
} from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { resolveContact } from './contacts';
import { conversationFor, type ConversationPolicy } from './conversations';
import { MessageEntity } from './entities';

export type IngestOutcome = 'message' | 'duplicate' | 'status' | 'consent';

export interface IngestContext {
  manager: EntityManager;
  outbox: OutboxWriter;
  raw: RawRef;
  receivedAt: Date;
  policy: ConversationPolicy;
}

/** Delivery states only move forward: a late "delivered" never overwrites "read". */
const STATE_RANK: Record<string, number> = { accepted: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

function stateName(state: DeliveryState): string {
  return DeliveryState[state]?.toLowerCase() ?? 'unspecified';
}

/** Applies one parsed channel event: stores it (deduplicated) and queues what to publish. */
export async function ingestEvent(ctx: IngestContext, event: ChannelEvent): Promise<IngestOutcome> {
  switch (event.type) {
    case 'message':
      return ingestMessage(ctx, create(MessageSchema, event.message));
    case 'status':
      return ingestStatus(ctx, event);
    case 'consent':
      return ingestConsent(ctx, event);
  }
}

async function ingestMessage(ctx: IngestContext, message: Message): Promise<IngestOutcome> {
  const { manager, outbox } = ctx;
  const channel = channelSlug(message.channel);
  const duplicate = await manager.findOne(MessageEntity, { where: { channel, providerMessageId: message.providerMessageId } });
  if (duplicate) return 'duplicate';

  const inbound = message.direction !== Direction.OUTBOUND;
  const customer = inbound ? message.sender : message.recipient;
  if (!customer?.channelUserId) throw new Error(`message ${message.providerMessageId} has no customer id`);
  const contact = await resolveContact(manager, {
    channel,
    channelUserId: customer.channelUserId,
    displayName: customer.displayName,
    locale: customer.locale,
    timezone: customer.timezone,
  });
  const at = message.providerTimestamp ? timestampDate(message.providerTimestamp) : ctx.receivedAt;
  const entryPoint = message.entryPoint ? (toJson(MessageSchema, create(MessageSchema, { entryPoint: message.entryPoint })) as { entryPoint?: Record<string, unknown> }).entryPoint ?? null : null;
  const { conversation } = await conversationFor(manager, contact.id, channel, at, ctx.policy, entryPoint);

  message.id = randomUUID();
  message.conversationId = conversation.id;
  message.contactId = contact.id;
  message.raw = ctx.raw;
  message.receivedAt = timestampFromDate(ctx.receivedAt);
  await manager.insert(MessageEntity, {
    id: message.id,
    conversationId: conversation.id,
    contactId: contact.id,
    channel,
    providerMessageId: message.providerMessageId,
    direction: inbound ? 'inbound' : 'outbound',
    contentKind: message.content?.kind.case ?? 'empty',
    content: (message.content ? toJson(ContentSchema, message.content) : {}) as object,
    deliveryState: inbound ? null : 'sent',
    providerTimestamp: message.providerTimestamp ? at : null,
    receivedAt: ctx.receivedAt,
    rawId: ctx.raw.rawId,
  });
  outbox.add(Topics.messageNormalized, conversation.id, message, { id: message.id });
  return 'message';
}

async function ingestStatus(ctx: IngestContext, event: Extract<ChannelEvent, { type: 'status' }>): Promise<IngestOutcome> {
  const status = create(MessageStatusSchema, event.status);
  const channel = channelSlug(status.channel);
  const stored = status.providerMessageId
    ? await ctx.manager.findOne(MessageEntity, { where: { channel, providerMessageId: status.providerMessageId } })
    : null;
  if (stored) {
    status.conversationId = stored.conversationId;
    const next = stateName(status.state);
    if ((STATE_RANK[next] ?? 0) > (STATE_RANK[stored.deliveryState ?? ''] ?? 0)) {
      await ctx.manager.update(MessageEntity, { id: stored.id }, { deliveryState: next });
    }
  }
  status.id = randomUUID();
  status.raw = ctx.raw;
  const key = status.conversationId || `${channel}:${status.channelUserId || status.providerMessageId}`;
  ctx.outbox.add(Topics.messageStatus, key, status, { id: status.id });
  return 'status';
}

async function ingestConsent(ctx: IngestContext, event: Extract<ChannelEvent, { type: 'consent' }>): Promise<IngestOutcome> {
  const consent = create(ConsentChangedSchema, event.consent);
  const contact = await resolveContact(ctx.manager, { channel: channelSlug(consent.channel), channelUserId: consent.channelUserId });
  consent.id = randomUUID();
  consent.contactId = contact.id;
  ctx.outbox.add(Topics.consentChanged, contact.id, consent, { id: consent.id });
  return 'consent';
}
