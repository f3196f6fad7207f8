import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NormalizerInitial1732300000100 implements MigrationInterface {
  name = 'NormalizerInitial1732300000100';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".contacts (
      id uuid PRIMARY KEY, display_name text, locale text, timezone text,
      attributes jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "${s}".identities (
      id uuid PRIMARY KEY, contact_id uuid NOT NULL REFERENCES "${s}".contacts(id) ON DELETE CASCADE, channel text NOT NULL,
      channel_user_id text NOT NULL, display_name text, created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX identities_channel_user ON "${s}".identities (channel, channel_user_id)`);
    await q.query(`CREATE INDEX identities_contact ON "${s}".identities (contact_id)`);
    await q.query(`CREATE TABLE "${s}".conversations (
      id uuid PRIMARY KEY, contact_id uuid NOT NULL REFERENCES "${s}".contacts(id) ON DELETE CASCADE, status text NOT NULL,
      channels text[] NOT NULL, entry_point jsonb, opened_at timestamptz NOT NULL, last_message_at timestamptz NOT NULL, resolved_at timestamptz)`);
    await q.query(`CREATE INDEX conversations_contact ON "${s}".conversations (contact_id, last_message_at DESC)`);
    await q.query(`CREATE TABLE "${s}".messages (
      id uuid PRIMARY KEY, conversation_id uuid NOT NULL REFERENCES "${s}".conversations(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL, channel text NOT NULL, provider_message_id text NOT NULL, direction text NOT NULL,
      content_kind text NOT NULL, content jsonb NOT NULL, delivery_state text, provider_timestamp timestamptz,
      received_at timestamptz NOT NULL, raw_id text NOT NULL)`);
    await q.query(`CREATE UNIQUE INDEX messages_provider_id ON "${s}".messages (channel, provider_message_id)`);
    await q.query(`CREATE INDEX messages_conversation ON "${s}".messages (conversation_id, received_at)`);
    await q.query(`CREATE INDEX messages_contact ON "${s}".messages (contact_id, received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    for (const table of ['messages', 'conversations', 'identities', 'contacts']) await q.query(`DROP TABLE IF EXISTS "${s}".${table}`);
  }
}
