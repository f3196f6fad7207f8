import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per approved outbound the gateway has started sending. Providers have no idempotency
 * keys, so this ledger is what keeps a redelivered approval from sending twice, and lets a send
 * interrupted between split parts resume at the first unsent part.
 */
@Entity({ name: 'sends' })
export class SendEntity {
  @PrimaryColumn({ name: 'outbound_id', type: 'text' }) outboundId!: string;
  @Column({ type: 'text' }) state!: 'sending' | 'sent' | 'failed';
  /** Provider ids of the parts already accepted, in order. */
  @Column({ name: 'provider_message_ids', type: 'text', array: true, default: () => "'{}'" }) providerMessageIds!: string[];
  @Column({ name: 'parts_done', type: 'int', default: 0 }) partsDone!: number;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  @Column({ name: 'error_code', type: 'text', nullable: true }) errorCode!: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** Every accepted provider call, for pacing against send quotas (kept 48 h). */
@Entity({ name: 'send_log' })
export class SendLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'account_id', type: 'text' }) accountId!: string;
  @Column({ name: 'sent_at', type: 'timestamptz' }) sentAt!: Date;
}

export class CreateSendLedger1732300000500 implements MigrationInterface {
  name = 'CreateSendLedger1732300000500';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".sends (
      outbound_id text PRIMARY KEY, state text NOT NULL, provider_message_ids text[] NOT NULL DEFAULT '{}',
      parts_done int NOT NULL DEFAULT 0, attempts int NOT NULL DEFAULT 0, error_code text,
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "${s}".send_log (id bigserial PRIMARY KEY, account_id text NOT NULL, sent_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX send_log_recent ON "${s}".send_log (sent_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".send_log`);
    await q.query(`DROP TABLE IF EXISTS "${s}".sends`);
  }
}

/**
 * The pacer reads, per quota window, at most `limit` rows of one account newest first: an index on
 * (account_id, sent_at) makes that a short index scan instead of a scan of 24 h of sends.
 */
export class IndexSendLogByAccount1732300000600 implements MigrationInterface {
  name = 'IndexSendLogByAccount1732300000600';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE INDEX IF NOT EXISTS send_log_account_recent ON "${s}".send_log (account_id, sent_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP INDEX IF EXISTS "${s}".send_log_account_recent`);
  }
}
