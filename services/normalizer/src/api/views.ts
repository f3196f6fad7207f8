import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ContactEntity, ConversationEntity, IdentityEntity, MessageEntity } from '../domain/entities';
import { CRM } from '../domain/contacts';

export class IdentityView {
  @ApiProperty({ example: 'whatsapp', description: 'A channel slug, `phone` (E.164) or `crm` (customer id).' }) channel!: string;
  @ApiProperty({ example: '33612345678' }) id!: string;
  @ApiProperty({ enum: ['channel', 'derived', 'crm'] }) origin!: string;
  @ApiProperty() createdAt!: string;
}

export class ContactView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['active', 'merged', 'erased'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'BCP 47 language/locale (CRM-set, else from the channel profile).' }) locale!: string | null;
  @ApiProperty({ nullable: true, type: String }) timezone!: string | null;
  @ApiProperty({ description: 'CRM attributes: tier, lifetimeValue, openOrders, cart, preferredChannel.', type: 'object', additionalProperties: true })
  attributes!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'CRM customer ids linked to the contact.' }) customerIds!: string[];
  @ApiProperty({ type: [IdentityView] }) identities!: IdentityView[];
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) mergedInto!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ContactSearchView {
  @ApiProperty({ type: [ContactView] }) items!: ContactView[];
}

export class MessageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 'sms' }) channel!: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Null once erased.' }) providerMessageId!: string | null;
  @ApiProperty({ example: 'text', description: 'Content kind (text, media, …, unsupported, outbound, part, erased).' }) contentKind!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Canonical content (protobuf JSON); outbound: the approved OutboundContent.' })
  content!: object;
  @ApiProperty({ nullable: true, type: String, description: 'The text, when the content has one.' }) text!: string | null;
  @ApiProperty({ description: 'When it was written (provider time, bounded by Omni clock).' }) occurredAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ nullable: true, type: String, enum: ['accepted', 'sent', 'delivered', 'read', 'failed'], description: 'Outbound delivery status.' })
  deliveryState!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveryError!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'fr' }) language!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.93 }) languageConfidence!: number | null;
  @ApiProperty({ nullable: true, type: String }) outboundId!: string | null;
  @ApiProperty() erased!: boolean;
}

export class MessagePageView {
  @ApiProperty({ type: [MessageView] }) items!: MessageView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page.' }) nextCursor!: string | null;
}

export class ConversationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ enum: ['open', 'resolved'] }) status!: string;
  @ApiProperty({ type: [String], description: 'Channels used, in order of first use.' }) channels!: string[];
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'Deep link, ad referral or welcome message that started it.' })
  entryPoint!: Record<string, unknown> | null;
  @ApiProperty() openedAt!: string;
  @ApiProperty() lastMessageAt!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolution!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedBy!: string | null;
  @ApiProperty() reopenCount!: number;
}

export class ConversationPageView {
  @ApiProperty({ type: [ConversationView] }) items!: ConversationView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class LinkResultView {
  @ApiProperty({ type: ContactView }) contact!: ContactView;
  @ApiProperty({ type: [String], description: 'Contacts merged into it (now tombstones redirecting to it).' }) merged!: string[];
  @ApiProperty({ description: 'True when no identity was known yet and a contact was created.' }) created!: boolean;
}

export class MergeResultView {
  @ApiProperty({ type: ContactView }) contact!: ContactView;
  @ApiProperty({ description: 'How many identities, conversations and messages moved.', type: 'object', additionalProperties: { type: 'number' } })
  moved!: { identities: number; conversations: number; messages: number };
}

export class ErasureView {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ type: [String] }) conversationIds!: string[];
  @ApiProperty() erasedAt!: string;
  @ApiProperty({ description: 'False when the contact had already been erased (no new event).' }) erased!: boolean;
}

export function contactView(contact: ContactEntity, identities: IdentityEntity[]): ContactView {
  return {
    id: contact.id,
    status: contact.status,
    displayName: contact.displayName,
    locale: contact.locale,
    timezone: contact.timezone,
    attributes: contact.attributes ?? {},
    customerIds: identities.filter((i) => i.channel === CRM).map((i) => i.channelUserId),
    identities: identities
      .filter((i) => i.channel !== CRM)
      .map((i) => ({ channel: i.channel, id: i.channelUserId, origin: i.origin, createdAt: i.createdAt.toISOString() })),
    mergedInto: contact.mergedInto,
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

function textOfStored(kind: string, content: Record<string, unknown>): string | null {
  const pick = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  switch (kind) {
    case 'text':
      return pick((content.text as { text?: unknown } | undefined)?.text);
    case 'media':
      return pick((content.media as { caption?: unknown } | undefined)?.caption);
    case 'quickReply':
      return pick((content.quickReply as { text?: unknown } | undefined)?.text);
    case 'postback':
      return pick((content.postback as { title?: unknown } | undefined)?.title);
    case 'outbound':
      return pick(content.text);
    default:
      return null;
  }
}

export function messageView(message: MessageEntity): MessageView {
  const erased = message.erasedAt !== null;
  return {
    id: message.id,
    conversationId: message.conversationId,
    contactId: message.contactId,
    channel: message.channel,
    direction: message.direction,
    providerMessageId: erased ? null : message.providerMessageId,
    contentKind: message.contentKind,
    content: message.content,
    text: textOfStored(message.contentKind, message.content as Record<string, unknown>),
    occurredAt: message.occurredAt.toISOString(),
    receivedAt: message.receivedAt.toISOString(),
    deliveryState: message.deliveryState,
    deliveryError: message.deliveryError,
    language: message.language,
    languageConfidence: message.languageConfidence,
    outboundId: message.outboundId,
    erased,
  };
}

export function conversationView(conversation: ConversationEntity): ConversationView {
  return {
    id: conversation.id,
    contactId: conversation.contactId,
    status: conversation.status,
    channels: conversation.channels,
    entryPoint: conversation.entryPoint,
    openedAt: conversation.openedAt.toISOString(),
    lastMessageAt: conversation.lastMessageAt.toISOString(),
    resolvedAt: conversation.resolvedAt?.toISOString() ?? null,
    resolution: conversation.resolution,
    resolvedBy: conversation.resolvedBy,
    reopenCount: conversation.reopenCount,
  };
}
