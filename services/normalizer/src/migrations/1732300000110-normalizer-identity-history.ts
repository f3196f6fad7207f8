import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity, merge, erasure and history: contact lifecycle (active / merged / erased), identity
 * origin, conversation resolution details, message time / language / outbound id / erasure,
 * receipts that arrive before the send they are about, and the content of approved outbounds.
 */
export class NormalizerIdentityHistory1732300000110 implements MigrationInterface {
  name = 'NormalizerIdentityHistory1732300000110';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".contacts
      ADD COLUMN status text NOT NULL DEFAULT 'active',
      ADD COLUMN merged_into uuid REFERENCES "${s}".contacts(id),
      ADD COLUMN merged_at timestamptz,
      ADD COLUMN erased_at timestamptz`);
    await q.query(`CREATE INDEX contacts_merged_into ON "${s}".contacts (merged_into)`);

    await q.query(`ALTER TABLE "${s}".identities ADD COLUMN origin text NOT NULL DEFAULT 'channel'`);

    await q.query(`ALTER TABLE "${s}".conversations
      ADD COLUMN last_inbound_at timestamptz,
      ADD COLUMN resolution text,
      ADD COLUMN resolved_by text,
      ADD COLUMN reopen_count integer NOT NULL DEFAULT 0`);
    await q.query(`UPDATE "${s}".conversations SET last_inbound_at = last_message_at`);

    await q.query(`ALTER TABLE "${s}".messages
      ADD COLUMN occurred_at timestamptz,
      ADD COLUMN language text,
      ADD COLUMN language_confidence real,
      ADD COLUMN outbound_id text,
      ADD COLUMN delivery_updated_at timestamptz,
      ADD COLUMN delivery_error text,
      ADD COLUMN erased_at timestamptz`);
    await q.query(`UPDATE "${s}".messages SET occurred_at = COALESCE(provider_timestamp, received_at)`);
    await q.query(`ALTER TABLE "${s}".messages ALTER COLUMN occurred_at SET NOT NULL`);
    await q.query(`ALTER TABLE "${s}".messages ALTER COLUMN raw_id DROP NOT NULL`);
    await q.query(`DROP INDEX IF EXISTS "${s}".messages_conversation`);
    await q.query(`DROP INDEX IF EXISTS "${s}".messages_contact`);
    await q.query(`CREATE INDEX messages_conversation_time ON "${s}".messages (conversation_id, occurred_at, id)`);
    await q.query(`CREATE INDEX messages_contact_time ON "${s}".messages (contact_id, occurred_at, id)`);
    await q.query(`CREATE INDEX messages_outbound ON "${s}".messages (outbound_id)`);

    await q.query(`CREATE TABLE "${s}".pending_receipts (
      channel text NOT NULL, provider_message_id text NOT NULL, state text NOT NULL,
      occurred_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel, provider_message_id))`);

    await q.query(`CREATE TABLE "${s}".outbound_requests (
      outbound_id text PRIMARY KEY, conversation_id uuid NOT NULL, channel text NOT NULL,
      content_kind text NOT NULL, content jsonb NOT NULL, author_id text, requested_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX outbound_requests_conversation ON "${s}".outbound_requests (conversation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".outbound_requests`);
    await q.query(`DROP TABLE IF EXISTS "${s}".pending_receipts`);
    await q.query(`DROP INDEX IF EXISTS "${s}".messages_outbound`);
    await q.query(`DROP INDEX IF EXISTS "${s}".messages_contact_time`);
    await q.query(`DROP INDEX IF EXISTS "${s}".messages_conversation_time`);
    await q.query(`CREATE INDEX messages_conversation ON "${s}".messages (conversation_id, received_at)`);
    await q.query(`CREATE INDEX messages_contact ON "${s}".messages (contact_id, received_at)`);
    await q.query(`UPDATE "${s}".messages SET raw_id = '' WHERE raw_id IS NULL`);
    await q.query(`ALTER TABLE "${s}".messages ALTER COLUMN raw_id SET NOT NULL`);
    await q.query(`ALTER TABLE "${s}".messages
      DROP COLUMN occurred_at, DROP COLUMN language, DROP COLUMN language_confidence, DROP COLUMN outbound_id,
      DROP COLUMN delivery_updated_at, DROP COLUMN delivery_error, DROP COLUMN erased_at`);
    await q.query(`ALTER TABLE "${s}".conversations
      DROP COLUMN last_inbound_at, DROP COLUMN resolution, DROP COLUMN resolved_by, DROP COLUMN reopen_count`);
    await q.query(`ALTER TABLE "${s}".identities DROP COLUMN origin`);
    await q.query(`DROP INDEX IF EXISTS "${s}".contacts_merged_into`);
    await q.query(`ALTER TABLE "${s}".contacts DROP COLUMN status, DROP COLUMN merged_into, DROP COLUMN merged_at, DROP COLUMN erased_at`);
  }
}
