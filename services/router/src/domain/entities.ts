import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The router's view of a conversation: where it was sent and why. */
@Entity({ name: 'routed_conversations' })
export class RoutedConversationEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Column({ type: 'text' }) queue!: string;
  @Column({ type: 'int' }) priority!: number;
  @Column({ name: 'policy_version', type: 'text' }) policyVersion!: string;
  @Column({ name: 'routed_at', type: 'timestamptz' }) routedAt!: Date;
  /** Set when the conversation is resolved, so the next customer message routes it again. */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt!: Date | null;
  @Column({ name: 'contact_id', type: 'text', nullable: true }) contactId!: string | null;
  @Column({ type: 'jsonb', nullable: true }) reasons!: Array<{ rule: string; detail: string }> | null;
  @Column({ name: 'document_version', type: 'int', nullable: true }) documentVersion!: number | null;
}
