import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When the customer last wrote in a conversation: the start of its reply window. */
@Entity({ name: 'conversation_windows' })
export class ConversationWindowEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Column({ type: 'int' }) channel!: number;
  @Column({ name: 'last_inbound_at', type: 'timestamptz' }) lastInboundAt!: Date;
}

/** The consent ledger: what a contact agreed to receive on a channel. */
@Entity({ name: 'consents' })
export class ConsentEntity {
  @PrimaryColumn({ type: 'int' }) channel!: number;
  @PrimaryColumn({ name: 'channel_user_id', type: 'text' }) channelUserId!: string;
  @Column({ type: 'text' }) state!: 'opted_out' | 'opted_in';
  @Column({ name: 'contact_id', type: 'text', nullable: true }) contactId!: string | null;
  @Column({ type: 'text', nullable: true }) keyword!: string | null;
  @Column({ name: 'changed_at', type: 'timestamptz' }) changedAt!: Date;
}
