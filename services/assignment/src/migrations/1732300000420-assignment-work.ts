import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents with skill levels, teams, per-channel capacity and heartbeats; queues with strategy, offer
 * timeout, SLA targets, overflow and CSAT; conversations with weight, rank, offers and SLA due
 * times; notes and CSAT surveys. Load is computed from the conversations an agent holds, so the
 * old active_count counter (which leaked) goes.
 */
export class AssignmentWork1732300000420 implements MigrationInterface {
  name = 'AssignmentWork1732300000420';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`ALTER TABLE "${s}".agents DROP COLUMN active_count,
      ADD COLUMN skill_levels jsonb NOT NULL DEFAULT '{}', ADD COLUMN teams text[] NOT NULL DEFAULT '{}',
      ADD COLUMN channel_capacity jsonb NOT NULL DEFAULT '{}', ADD COLUMN last_heartbeat_at timestamptz,
      ADD COLUMN offline_since timestamptz`);
    await q.query(`CREATE TABLE "${s}".queues (
      name text PRIMARY KEY, strategy text NOT NULL, teams text[] NOT NULL DEFAULT '{}', offer_timeout_ms int NOT NULL DEFAULT 0,
      first_response_ms int, next_response_ms int, overflow_queue text, csat boolean NOT NULL DEFAULT false,
      rr_cursor text, avg_handle_ms int, updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`ALTER TABLE "${s}".conversation_assignments
      ADD COLUMN weight int NOT NULL DEFAULT 1, ADD COLUMN rank int NOT NULL DEFAULT 0, ADD COLUMN escalated boolean NOT NULL DEFAULT false,
      ADD COLUMN language text NOT NULL DEFAULT '', ADD COLUMN required_skills jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN customer_ref bytea, ADD COLUMN handoff_context jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN account_id text NOT NULL DEFAULT '', ADD COLUMN channel_user_id text NOT NULL DEFAULT '', ADD COLUMN message_id text NOT NULL DEFAULT '',
      ADD COLUMN offered_at timestamptz, ADD COLUMN offer_expires_at timestamptz, ADD COLUMN excluded_agents text[] NOT NULL DEFAULT '{}',
      ADD COLUMN published_position int, ADD COLUMN first_response_due timestamptz, ADD COLUMN first_responded_at timestamptz,
      ADD COLUMN next_response_due timestamptz, ADD COLUMN sla_warned text[] NOT NULL DEFAULT '{}', ADD COLUMN sla_breaches int NOT NULL DEFAULT 0,
      ADD COLUMN previous_agent_id text, ADD COLUMN since timestamptz, ADD COLUMN queue_reason text NOT NULL DEFAULT ''`);
    await q.query(`UPDATE "${s}".conversation_assignments SET rank = priority, since = routed_at`);
    await q.query(`DROP INDEX IF EXISTS "${s}".assignments_queue`);
    await q.query(`CREATE INDEX assignments_queued ON "${s}".conversation_assignments (rank DESC, reply_deadline ASC NULLS LAST, since, conversation_id) WHERE state = 'queued'`);
    await q.query(`CREATE INDEX assignments_held ON "${s}".conversation_assignments (agent_id) WHERE state IN ('offered', 'assigned')`);
    await q.query(`CREATE INDEX assignments_contact ON "${s}".conversation_assignments (contact_id)`);
    await q.query(`CREATE TABLE "${s}".notes (
      id uuid PRIMARY KEY, conversation_id uuid NOT NULL, author_id text NOT NULL, text text NOT NULL, created_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX notes_conversation ON "${s}".notes (conversation_id, created_at)`);
    await q.query(`CREATE TABLE "${s}".csat_surveys (
      conversation_id uuid PRIMARY KEY, outbound_id uuid NOT NULL, agent_id text NOT NULL DEFAULT '', queue text NOT NULL, channel int NOT NULL,
      contact_id text NOT NULL, customer_ref bytea, status text NOT NULL, detail text NOT NULL DEFAULT '', score int,
      answer_message_id text, parked_routed bytea, sent_at timestamptz NOT NULL, recorded_at timestamptz)`);
    await q.query(`CREATE INDEX csat_outbound ON "${s}".csat_surveys (outbound_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".csat_surveys`);
    await q.query(`DROP TABLE IF EXISTS "${s}".notes`);
    await q.query(`DROP TABLE IF EXISTS "${s}".queues`);
    await q.query(`DROP INDEX IF EXISTS "${s}".assignments_queued`);
    await q.query(`DROP INDEX IF EXISTS "${s}".assignments_held`);
    await q.query(`DROP INDEX IF EXISTS "${s}".assignments_contact`);
    await q.query(`ALTER TABLE "${s}".conversation_assignments DROP COLUMN weight, DROP COLUMN rank, DROP COLUMN escalated, DROP COLUMN language,
      DROP COLUMN required_skills, DROP COLUMN customer_ref, DROP COLUMN handoff_context, DROP COLUMN account_id, DROP COLUMN channel_user_id,
      DROP COLUMN message_id, DROP COLUMN offered_at, DROP COLUMN offer_expires_at, DROP COLUMN excluded_agents, DROP COLUMN published_position,
      DROP COLUMN first_response_due, DROP COLUMN first_responded_at, DROP COLUMN next_response_due, DROP COLUMN sla_warned,
      DROP COLUMN sla_breaches, DROP COLUMN previous_agent_id, DROP COLUMN since, DROP COLUMN queue_reason`);
    await q.query(`CREATE INDEX assignments_queue ON "${s}".conversation_assignments (queue, priority DESC, reply_deadline, routed_at) WHERE state = 'queued'`);
    await q.query(`ALTER TABLE "${s}".agents ADD COLUMN active_count int NOT NULL DEFAULT 0, DROP COLUMN skill_levels, DROP COLUMN teams,
      DROP COLUMN channel_capacity, DROP COLUMN last_heartbeat_at, DROP COLUMN offline_since`);
  }
}
