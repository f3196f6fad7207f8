import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Tables of schema `normalizer`. They mirror the migrations (the initial one and
 * 1732300000110-normalizer-identity-history); `entities.int-spec.ts` checks that TypeORM finds
 * nothing to change between the two.
 */

export type ContactStatus = 'active' | 'merged' | 'erased';

/** A customer, across every channel they use. */
@Entity({ name: 'contacts' })
export class ContactEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'display_name', type: 'text', nullable: true }) displayName!: string | null;
  @Column({ type: 'text', nullable: true }) locale!: string | null;
  @Column({ type: 'text', nullable: true }) timezone!: string | null;
  /** CRM-provided attributes the router reads (tier, lifetime value, …). */
  @Column({ type: 'jsonb', default: () => "'{}'" }) attributes!: Record<string, unknown>;
  /** `merged`: tombstone redirecting to `mergedInto`; `erased`: personal data removed. */
  @Column({ type: 'text', default: 'active' }) status!: ContactStatus;
  @Index('contacts_merged_into') @Column({ name: 'merged_into', type: 'uuid', nullable: true }) mergedInto!: string | null;
  @ManyToOne(() => ContactEntity, { onDelete: 'NO ACTION' })
  @JoinColumn({ name: 'merged_into', foreignKeyConstraintName: 'contacts_merged_into_fkey' })
  mergedIntoContact?: ContactEntity;
  @Column({ name: 'merged_at', type: 'timestamptz', nullable: true }) mergedAt!: Date | null;
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true }) erasedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** How an identity got onto its contact: seen on a channel, derived (phone), or linked by a CRM. */
export type IdentityOrigin = 'channel' | 'derived' | 'crm';

/**
 * How a contact is known: per channel (page-scoped id, wa_id, X user id, SMS number as the
 * provider gives it), `phone` (E.164, shared by WhatsApp and SMS) and `crm` (a CRM customer id).
 */
@Entity({ name: 'identities' })
@Index('identities_channel_user', ['channel', 'channelUserId'], { unique: true })
export class IdentityEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index('identities_contact') @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @ManyToOne(() => ContactEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'identities_contact_id_fkey' })
  contact?: ContactEntity;
  @Column({ type: 'text' }) channel!: string;
  @Column({ name: 'channel_user_id', type: 'text' }) channelUserId!: string;
  @Column({ name: 'display_name', type: 'text', nullable: true }) displayName!: string | null;
  @Column({ type: 'text', default: 'channel' }) origin!: IdentityOrigin;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'conversations' })
@Index('conversations_contact', ['contactId', 'lastMessageAt'])
export class ConversationEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @ManyToOne(() => ContactEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'conversations_contact_id_fkey' })
  contact?: ContactEntity;
  @Column({ type: 'text' }) status!: 'open' | 'resolved';
  /** Channels the conversation has used, in order of first use. */
  @Column({ type: 'text', array: true }) channels!: string[];
  @Column({ name: 'entry_point', type: 'jsonb', nullable: true }) entryPoint!: Record<string, unknown> | null;
  @Column({ name: 'opened_at', type: 'timestamptz' }) openedAt!: Date;
  @Column({ name: 'last_message_at', type: 'timestamptz' }) lastMessageAt!: Date;
  /** Time of the last customer message (a resolution older than it does not close the conversation). */
  @Column({ name: 'last_inbound_at', type: 'timestamptz', nullable: true }) lastInboundAt!: Date | null;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) resolution!: string | null;
  @Column({ name: 'resolved_by', type: 'text', nullable: true }) resolvedBy!: string | null;
  @Column({ name: 'reopen_count', type: 'integer', default: 0 }) reopenCount!: number;
}

/**
 * One canonical message. Deduplicated on (channel, dedupe_key), the channel adapter's key, and on
 * (channel, provider_message_id), which also stays unique (receipts find messages by it).
 */
@Entity({ name: 'messages' })
@Index('messages_provider_id', ['channel', 'providerMessageId'], { unique: true })
@Index('messages_dedupe_key', ['channel', 'dedupeKey'], { unique: true, where: 'dedupe_key IS NOT NULL' })
@Index('messages_conversation_time', ['conversationId', 'occurredAt', 'id'])
@Index('messages_contact_time', ['contactId', 'occurredAt', 'id'])
export class MessageEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'messages_conversation_id_fkey' })
  conversation?: ConversationEntity;
  @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @Column({ type: 'text' }) channel!: string;
  /** The provider's id; after erasure `erased:<sha256>` so a replay is still recognised. */
  @Column({ name: 'provider_message_id', type: 'text' }) providerMessageId!: string;
  /** The channel adapter's dedupe key (null on rows from before it was kept); erased like the provider id. */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true }) dedupeKey!: string | null;
  @Column({ type: 'text' }) direction!: 'inbound' | 'outbound';
  @Column({ name: 'content_kind', type: 'text' }) contentKind!: string;
  /** The canonical content as protobuf JSON (text included; removed on erasure). */
  @Column({ type: 'jsonb' }) content!: object;
  @Column({ name: 'delivery_state', type: 'text', nullable: true }) deliveryState!: string | null;
  @Column({ name: 'delivery_updated_at', type: 'timestamptz', nullable: true }) deliveryUpdatedAt!: Date | null;
  /** Canonical error code of a failed delivery. */
  @Column({ name: 'delivery_error', type: 'text', nullable: true }) deliveryError!: string | null;
  @Column({ name: 'provider_timestamp', type: 'timestamptz', nullable: true }) providerTimestamp!: Date | null;
  /** When the message was written: the provider's time, never later than Omni's clock. Orders history. */
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt!: Date;
  @Column({ name: 'raw_id', type: 'text', nullable: true }) rawId!: string | null;
  @Column({ type: 'text', nullable: true }) language!: string | null;
  @Column({ name: 'language_confidence', type: 'real', nullable: true }) languageConfidence!: number | null;
  /** Omni's outbound id for messages we sent (from the gateway's SENT status). */
  @Index('messages_outbound') @Column({ name: 'outbound_id', type: 'text', nullable: true }) outboundId!: string | null;
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true }) erasedAt!: Date | null;
}

/** A receipt for a provider id we do not know yet (the gateway's SENT may come later). */
@Entity({ name: 'pending_receipts' })
export class PendingReceiptEntity {
  @PrimaryColumn({ type: 'text' }) channel!: string;
  @PrimaryColumn({ name: 'provider_message_id', type: 'text' }) providerMessageId!: string;
  @Column({ type: 'text' }) state!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** What an approved outbound said, so history can show it once the gateway reports it sent. */
@Entity({ name: 'outbound_requests' })
export class OutboundRequestEntity {
  @PrimaryColumn({ name: 'outbound_id', type: 'text' }) outboundId!: string;
  @Index('outbound_requests_conversation') @Column({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Column({ type: 'text' }) channel!: string;
  @Column({ name: 'content_kind', type: 'text' }) contentKind!: string;
  @Column({ type: 'jsonb' }) content!: object;
  @Column({ name: 'author_id', type: 'text', nullable: true }) authorId!: string | null;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

export const NORMALIZER_ENTITIES = [ContactEntity, IdentityEntity, ConversationEntity, MessageEntity, PendingReceiptEntity, OutboundRequestEntity];
