import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { ChannelEvent } from '@omni/channel-sdk';
import {
  channelSlug,
  ContentSchema,
  create,
  Direction,
  MessageSchema,
  MessageStatusSchema,
  ConsentChangedSchema,
  ConversationReopenedSchema,
  ErrorCode,
  timestampDate,
  timestampFromDate,
  toJson,
  Topics,
  type Content,
  type Message,
  type RawRef,
} from '@omni/contracts';
import { uuidFrom } from '@omni/messaging';
import type { OutboxWriter, WriteBuffer } from '@omni/persistence';
import type { BatchIdentities } from './batch-identities';
import { contactOfIdentity, resolveContact, resolveContactIdentities, type ContactBatch, type IdentityOptions } from './contacts';
import type { PendingContacts } from './new-contacts';
import { customerFacts, customerRef, factsOfIdentities, factsOfNewIdentities } from './customer';
import { conversationForInbound, conversationForOutbound, openConversation, type ConversationPolicy, type PendingConversations } from './conversations';
import { rankOf, rankSql, stateName } from './delivery';
import { ConversationEntity, MessageEntity } from './entities';
import { erasedProviderId } from './erasure';
import { detectLanguage } from './language';
import { lockMessageNames, lockNamesOf, messageLockName } from './locks';
import { profileOf } from './profile';
import { alreadyStoredSql, insertMessage, schemaOf, type NewMessageRow } from './rows';
import type { BatchDedupe } from './batch-dedupe';

export type IngestOutcome = 'message' | 'duplicate' | 'status' | 'consent';

export interface IngestContext {
  manager: EntityManager;
  outbox: OutboxWriter;
  raw: RawRef;
  /** Omni's clock when the record was applied: receive time, and the upper bound of message times. */
  receivedAt: Date;
  policy: ConversationPolicy;
  identity?: IdentityOptions;
  /** The batch's dedupe work, done up front for all its messages (consumed batches only). */
  dedupe?: BatchDedupe;
  /** Where a consumed batch collects its new messages, to store them in one statement. */
  messages?: WriteBuffer<NewMessageRow>;
  /** Where a consumed batch collects its new conversations, to store them in one statement. */
  conversations?: PendingConversations;
  /** The batch's customers' identities, looked up for all its messages at once (consumed batches only). */
  identities?: BatchIdentities;
  /** Where a consumed batch collects the contacts it creates, to store them in one statement. */
  contacts?: PendingContacts;
}

function contactBatchOf(ctx: IngestContext): ContactBatch | undefined {
  return ctx.identities ? { identities: ctx.identities, created: ctx.contacts } : undefined;
}

/** Applies one parsed channel event: stores it (deduplicated) and queues what to publish. */
export async function ingestEvent(ctx: IngestContext, event: ChannelEvent): Promise<IngestOutcome> {
  switch (event.type) {
    case 'message':
      return ingestMessage(ctx, create(MessageSchema, event.message), event.dedupeKey);
    case 'status':
      return ingestStatus(ctx, event);
    case 'consent':
      return ingestConsent(ctx, event);
  }
}

/** The text worth detecting a language on: a text message, or a media caption. */
export function textOf(content: Content | undefined): string | undefined {
  const kind = content?.kind;
  if (kind?.case === 'text') return kind.value.text;
  if (kind?.case === 'media') return kind.value.caption || undefined;
  return undefined;
}

/**
 * Is this message already stored, possibly as an erased tombstone? By the adapter's dedupe key,
 * and by (channel, provider id) as before keys were kept (rows from then have no key).
 */
async function alreadyStored(manager: EntityManager, channel: string, providerMessageId: string, dedupeKey: string): Promise<boolean> {
  // Raw SQL: runs for every message, and a finder builds and maps a query each call.
  const [row] = (await manager.query(alreadyStoredSql(schemaOf(manager)), [
    channel,
    [providerMessageId, erasedProviderId(channel, providerMessageId)],
    [dedupeKey, erasedProviderId(channel, dedupeKey)],
  ])) as Array<{ found: boolean }>;
  return row?.found === true;
}

async function ingestMessage(ctx: IngestContext, message: Message, dedupeKey: string): Promise<IngestOutcome> {
  const { manager, outbox } = ctx;
  const channel = channelSlug(message.channel);
  const key = { channel, providerMessageId: message.providerMessageId, dedupeKey };
  if (ctx.dedupe?.covers(key)) {
    if (ctx.dedupe.isStored(key)) return 'duplicate';
  } else {
    await lockMessageNames(manager, lockNamesOf(key));
    if (await alreadyStored(manager, channel, message.providerMessageId, dedupeKey)) return 'duplicate';
  }

  const inbound = message.direction !== Direction.OUTBOUND;
  const customer = inbound ? message.sender : message.recipient;
  if (!customer?.channelUserId) throw new Error(`message ${message.providerMessageId} has no customer id`);
  const { contact, identities, known } = await resolveContactIdentities(
    manager,
    { channel, channelUserId: customer.channelUserId, displayName: customer.displayName, locale: customer.locale, timezone: customer.timezone },
    ctx.identity,
    contactBatchOf(ctx),
    { pending: ctx.conversations },
  );
  // The provider's time orders history, but never lies in our future (a skewed provider clock).
  const provided = message.providerTimestamp ? timestampDate(message.providerTimestamp) : undefined;
  const at = provided && provided <= ctx.receivedAt ? provided : ctx.receivedAt;
  const entryPoint = message.entryPoint ? (toJson(MessageSchema, create(MessageSchema, { entryPoint: message.entryPoint })) as { entryPoint?: Record<string, unknown> }).entryPoint ?? null : null;
  // A contact this message created (identities known) has no conversation to find or reopen yet.
  const { conversation, reopened } = identities
    ? await openConversation(manager, contact.id, channel, at, inbound ? entryPoint : null, inbound, ctx.conversations)
    : inbound
      ? await conversationForInbound(manager, contact.id, channel, at, ctx.policy, entryPoint, ctx.conversations, known?.latest)
      : await conversationForOutbound(manager, contact.id, channel, at, ctx.conversations, known?.latest);

  const text = textOf(message.content);
  const detected = text ? detectLanguage(text) : undefined;
  message.id = randomUUID();
  message.conversationId = conversation.id;
  message.contactId = contact.id;
  message.raw = ctx.raw;
  message.receivedAt = timestampFromDate(ctx.receivedAt);
  const facts = identities ? factsOfNewIdentities(identities) : known?.identities ? factsOfIdentities(known.identities) : await customerFacts(manager, contact.id);
  message.contact = profileOf(contact, facts);
  if (detected) {
    message.language = detected.language;
    message.languageConfidence = detected.confidence;
  }
  const row: NewMessageRow = {
    id: message.id,
    conversationId: conversation.id,
    contactId: contact.id,
    channel,
    providerMessageId: message.providerMessageId,
    dedupeKey,
    direction: inbound ? 'inbound' : 'outbound',
    contentKind: message.content?.kind.case ?? 'empty',
    content: (message.content ? toJson(ContentSchema, message.content) : {}) as object,
    deliveryState: inbound ? null : 'sent',
    deliveryUpdatedAt: inbound ? null : ctx.receivedAt,
    providerTimestamp: provided ?? null,
    occurredAt: at,
    receivedAt: ctx.receivedAt,
    rawId: ctx.raw.rawId,
    language: detected?.language ?? null,
    languageConfidence: detected?.confidence ?? null,
  };
  if (ctx.messages) ctx.messages.add(row);
  else await insertMessage(manager, row);
  ctx.dedupe?.noteStored(key);
  if (reopened) {
    // Before the message, on the same key: a consumer sees the conversation come back, then why.
    const id = randomUUID();
    outbox.add(
      Topics.conversationReopened,
      conversation.id,
      create(ConversationReopenedSchema, {
        id,
        conversationId: conversation.id,
        contactId: contact.id,
        channel: message.channel,
        messageId: message.id,
        reopenedAt: timestampFromDate(at),
        reopenCount: conversation.reopenCount,
        customerRef: customerRef(contact.id, message.channel, customer.channelUserId, message.accountId, facts),
      }),
      { id },
    );
  }
  outbox.add(Topics.messageNormalized, conversation.id, message, { id: message.id });
  return 'message';
}

/** The conversation a status most likely concerns when its message is unknown: the customer's latest. */
async function likelyConversation(ctx: IngestContext, channel: string, channelUserId: string): Promise<{ contactId: string; conversationId?: string } | undefined> {
  if (!channelUserId) return undefined;
  const contact = await contactOfIdentity(ctx.manager, channel, channelUserId, ctx.identity);
  if (!contact) return undefined;
  const latest = await ctx.manager.findOne(ConversationEntity, { where: { contactId: contact.id }, order: { lastMessageAt: 'DESC' }, select: { id: true } });
  return { contactId: contact.id, conversationId: latest?.id };
}

async function ingestStatus(ctx: IngestContext, event: Extract<ChannelEvent, { type: 'status' }>): Promise<IngestOutcome> {
  const { manager } = ctx;
  // A receipt may concern a message (or, unplaced, a contact or conversation) stored earlier in this batch.
  await ctx.contacts?.flush();
  await ctx.conversations?.flush();
  await ctx.messages?.flush();
  const schema = schemaOf(manager);
  const status = create(MessageStatusSchema, event.status);
  const channel = channelSlug(status.channel);
  const next = stateName(status.state);
  const error = status.error ? (ErrorCode[status.error.code] ?? 'UNKNOWN') : null;
  if (status.providerMessageId) {
    await lockMessageNames(manager, [messageLockName(channel, status.providerMessageId)]);
    const stored = await manager.findOne(MessageEntity, { where: { channel, providerMessageId: status.providerMessageId } });
    if (stored) {
      status.conversationId = stored.conversationId;
      if (rankOf(next) > rankOf(stored.deliveryState)) {
        await manager.update(MessageEntity, { id: stored.id }, { deliveryState: next, deliveryUpdatedAt: ctx.receivedAt, deliveryError: error ?? stored.deliveryError });
      }
    } else if (rankOf(next) > 0) {
      // Not ours yet: the gateway's SENT for it may still be on its way. Keep the furthest state.
      await manager.query(
        `INSERT INTO "${schema}".pending_receipts AS p (channel, provider_message_id, state, occurred_at, updated_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (channel, provider_message_id) DO UPDATE SET
           state = CASE WHEN ${rankSql('EXCLUDED.state')} > ${rankSql('p.state')} THEN EXCLUDED.state ELSE p.state END, updated_at = now()`,
        [channel, status.providerMessageId, next, status.occurredAt ? timestampDate(status.occurredAt) : ctx.receivedAt],
      );
    }
  }
  const likely = status.conversationId ? undefined : await likelyConversation(ctx, channel, status.channelUserId);
  if (!status.providerMessageId && status.watermark && likely && rankOf(next) > 0) {
    // Watermark receipts (Messenger, X): everything we sent this customer up to then.
    await manager.query(
      `UPDATE "${schema}".messages SET delivery_state = $1, delivery_updated_at = $2
        WHERE contact_id = $3 AND channel = $4 AND direction = 'outbound' AND occurred_at <= $5 AND ${rankSql('delivery_state')} < $6`,
      [next, ctx.receivedAt, likely.contactId, channel, timestampDate(status.watermark), rankOf(next)],
    );
  }
  status.id = randomUUID();
  status.raw = ctx.raw;
  // Keyed by conversation like every message event; a receipt we cannot place yet goes with the
  // customer's latest conversation, or (no contact at all) with the customer's thread.
  const key = status.conversationId || likely?.conversationId || `${channel}:${status.accountId}:${status.channelUserId || status.providerMessageId}`;
  ctx.outbox.add(Topics.messageStatus, key, status, { id: status.id });
  return 'status';
}

async function ingestConsent(ctx: IngestContext, event: Extract<ChannelEvent, { type: 'consent' }>): Promise<IngestOutcome> {
  const consent = create(ConsentChangedSchema, event.consent);
  const contact = await resolveContact(ctx.manager, { channel: channelSlug(consent.channel), channelUserId: consent.channelUserId }, ctx.identity, contactBatchOf(ctx));
  // Derived from the provider event, not random: a redelivered STOP (a new raw record) publishes
  // the same ce_id again, which every consumer's inbox drops, so it is never acted on twice.
  consent.id = uuidFrom(`consent:${channelSlug(consent.channel)}:${consent.accountId}:${event.dedupeKey}`);
  consent.contactId = contact.id;
  ctx.outbox.add(Topics.consentChanged, contact.id, consent, { id: consent.id });
  return 'consent';
}
