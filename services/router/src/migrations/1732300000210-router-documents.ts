import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing documents (every version, who activated it and when), every decision with its input
 * (for what-if replay), bot sessions (flows survive restarts), the last CSAT per contact, and the
 * contact and reasons on routed conversations. Additive only.
 */
export class RouterDocuments1732300000210 implements MigrationInterface {
  name = 'RouterDocuments1732300000210';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".routed_conversations ADD COLUMN contact_id text, ADD COLUMN reasons jsonb, ADD COLUMN document_version int`);
    await q.query(`CREATE INDEX routed_conversations_contact ON "${s}".routed_conversations (contact_id)`);
    await q.query(`CREATE TABLE "${s}".routing_documents (
      version serial PRIMARY KEY, source text NOT NULL, sha256 text NOT NULL, name text,
      activated_by text NOT NULL, activated_at timestamptz NOT NULL)`);
    await q.query(`CREATE TABLE "${s}".routing_decisions (
      id uuid PRIMARY KEY, conversation_id uuid NOT NULL, contact_id text, message_id text, decided_at timestamptz NOT NULL,
      document_version int NOT NULL, queue text NOT NULL, priority int NOT NULL, bot_flow text, reasons jsonb NOT NULL,
      handoff_context jsonb NOT NULL, facts jsonb NOT NULL, message bytea NOT NULL)`);
    await q.query(`CREATE INDEX routing_decisions_contact ON "${s}".routing_decisions (contact_id, decided_at)`);
    await q.query(`CREATE INDEX routing_decisions_time ON "${s}".routing_decisions (decided_at)`);
    await q.query(`CREATE TABLE "${s}".bot_sessions (
      conversation_id uuid PRIMARY KEY, contact_id text, flow text NOT NULL, document_version int NOT NULL,
      step int NOT NULL, attempts int NOT NULL, answers jsonb NOT NULL, message bytea NOT NULL,
      started_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX bot_sessions_contact ON "${s}".bot_sessions (contact_id)`);
    await q.query(`CREATE TABLE "${s}".contact_csat (contact_id text PRIMARY KEY, score int NOT NULL, recorded_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    for (const table of ['contact_csat', 'bot_sessions', 'routing_decisions', 'routing_documents']) await q.query(`DROP TABLE IF EXISTS "${s}".${table}`);
    await q.query(`DROP INDEX IF EXISTS "${s}".routed_conversations_contact`);
    await q.query(`ALTER TABLE "${s}".routed_conversations DROP COLUMN contact_id, DROP COLUMN reasons, DROP COLUMN document_version`);
  }
}
