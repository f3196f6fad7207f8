import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The welcome messages this gateway registered at X, by configuration key (schema
 * gateway_twitter). With the content hash the gateway knows at start-up whether a configured
 * message is new (create), changed (update in place, keeping its id and so its deep links) or
 * unchanged (nothing to do): registration is idempotent across restarts and replicas.
 */
@Entity({ name: 'welcome_messages' })
export class WelcomeMessageEntity {
  @PrimaryColumn({ type: 'text' }) key!: string;
  @Column({ name: 'welcome_message_id', type: 'text' }) welcomeMessageId!: string;
  /** sha256 of the registered content (welcomeContentHash). */
  @Column({ name: 'content_hash', type: 'text' }) contentHash!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export class CreateTwitterWelcomeMessages1732300000600 implements MigrationInterface {
  name = 'CreateTwitterWelcomeMessages1732300000600';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".welcome_messages (
      key text PRIMARY KEY, welcome_message_id text NOT NULL, content_hash text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".welcome_messages`);
  }
}
