import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AssignmentInitial1732300000400 implements MigrationInterface {
  name = 'AssignmentInitial1732300000400';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".agents (
      id text PRIMARY KEY, display_name text NOT NULL, status text NOT NULL, capacity int NOT NULL CHECK (capacity >= 0),
      active_count int NOT NULL DEFAULT 0, skills text[] NOT NULL DEFAULT '{}', languages text[] NOT NULL DEFAULT '{}',
      last_assigned_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "${s}".conversation_assignments (
      conversation_id uuid PRIMARY KEY, state text NOT NULL, agent_id text REFERENCES "${s}".agents(id), queue text NOT NULL,
      priority int NOT NULL, channel int NOT NULL, contact_id text NOT NULL, routed_at timestamptz NOT NULL,
      reply_deadline timestamptz, assigned_at timestamptz)`);
    await q.query(`CREATE INDEX assignments_agent ON "${s}".conversation_assignments (agent_id)`);
    await q.query(`CREATE INDEX assignments_queue ON "${s}".conversation_assignments (queue, priority DESC, reply_deadline, routed_at) WHERE state = 'queued'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".conversation_assignments`);
    await q.query(`DROP TABLE IF EXISTS "${s}".agents`);
  }
}
