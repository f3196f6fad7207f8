import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AgentStatusName = 'online' | 'away' | 'offline';

@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'display_name', type: 'text' }) displayName!: string;
  @Column({ type: 'text' }) status!: AgentStatusName;
  /** Maximum concurrent conversations. */
  @Column({ type: 'int' }) capacity!: number;
  @Column({ name: 'active_count', type: 'int', default: 0 }) activeCount!: number;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) skills!: string[];
  @Column({ type: 'text', array: true, default: () => "'{}'" }) languages!: string[];
  @Column({ name: 'last_assigned_at', type: 'timestamptz', nullable: true }) lastAssignedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** A conversation's current owner, or its place in a queue while nobody can take it. */
@Entity({ name: 'conversation_assignments' })
@Index('assignments_agent', ['agentId'])
export class ConversationAssignmentEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' }) conversationId!: string;
  @Column({ type: 'text' }) state!: 'queued' | 'assigned' | 'resolved';
  @Column({ name: 'agent_id', type: 'text', nullable: true }) agentId!: string | null;
  @Column({ type: 'text' }) queue!: string;
  @Column({ type: 'int' }) priority!: number;
  @Column({ type: 'int' }) channel!: number;
  @Column({ name: 'contact_id', type: 'text' }) contactId!: string;
  @Column({ name: 'routed_at', type: 'timestamptz' }) routedAt!: Date;
  @Column({ name: 'reply_deadline', type: 'timestamptz', nullable: true }) replyDeadline!: Date | null;
  @Column({ name: 'assigned_at', type: 'timestamptz', nullable: true }) assignedAt!: Date | null;
  /** Set by POST /conversations/:id/resolve; meaningful while state is 'resolved'. */
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt?: Date | null;
  @Column({ type: 'text', nullable: true }) resolution?: string | null;
}
