import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A customer, across every channel they use. */
@Entity({ name: 'contacts' })
export class ContactEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'display_name', type: 'text', nullable: true }) displayName!: string | null;
  @Column({ type: 'text', nullable: true }) locale!: string | null;
  @Column({ type: 'text', nullable: true }) timezone!: string | null;
  /** CRM-provided attributes the router reads (tier, lifetime value, …). */
  @Column({ type: 'jsonb', default: () => "'{}'" }) attributes!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** How a contact is known on one channel (page-scoped id, wa_id, X user id, E.164 number). */
@Entity({ name: 'identities' })
@Index('identities_channel_user', ['channel', 'channelUserId'], { unique: true })
export class IdentityEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index() @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @Column({ type: 'text' }) channel!: string;
  @Column({ name: 'channel_user_id', type: 'text' }) channelUserId!: string;
  @Column({ name: 'display_name', type: 'text', nullable: true }) displayName!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'conversations' })
export class ConversationEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index() @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @Column({ type: 'text' }) status!: 'open' | 'resolved';
  /** Channels the conversation has used, in order of first use. */
  @Column({ type: 'text', array: true }) channels!: string[];
  @Column({ name: 'entry_point', type: 'jsonb', nullable: true }) entryPoint!: Record<string, unknown> | null;
  @Column({ name: 'opened_at', type: 'timestamptz' }) openedAt!: Date;
  @Column({ name: 'last_message_at', type: 'timestamptz' }) lastMessageAt!: Date;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt!: Date | null;
}

/** One canonical message; (channel, provider_message_id) is the dedupe key. */
@Entity({ name: 'messages' })
@Index('messages_provider_id', ['channel', 'providerMessageId'], { unique: true })
export class MessageEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index() @Column({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Index() @Column({ name: 'contact_id', type: 'uuid' }) contactId!: string;
  @Column({ type: 'text' }) channel!: string;
  @Column({ name: 'provider_message_id', type: 'text' }) providerMessageId!: string;
  @Column({ type: 'text' }) direction!: 'inbound' | 'outbound';
  @Column({ name: 'content_kind', type: 'text' }) contentKind!: string;
  /** The canonical content as protobuf JSON (text included; removed on erasure). */
  @Column({ type: "jsonb" }) content!: object;
  @Column({ name: 'delivery_state', type: 'text', nullable: true }) deliveryState!: string | null;
  @Column({ name: 'provider_timestamp', type: 'timestamptz', nullable: true }) providerTimestamp!: Date | null;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt!: Date;
  @Column({ name: 'raw_id', type: 'text' }) rawId!: string;
}
