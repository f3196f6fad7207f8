import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Ids of events a consumer has applied; written in the same transaction as the effect. */
@Entity({ name: 'inbox' })
// The pruner deletes by age (INBOX_RETENTION_HOURS) through this index.
@Index('inbox_processed_at', ['processedAt'])
export class InboxEntry {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}

/** Records to publish, written in the same transaction as the state change that caused them. */
@Entity({ name: 'outbox' })
@Index('outbox_unpublished', ['id'], { where: 'published_at IS NULL' })
export class OutboxEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ name: 'record_key', type: 'text' })
  key!: string;

  @Column({ type: 'bytea' })
  value!: Buffer;

  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
