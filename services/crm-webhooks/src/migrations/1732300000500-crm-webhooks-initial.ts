import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CrmWebhooksInitial1732300000500 implements MigrationInterface {
  name = 'CrmWebhooksInitial1732300000500';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".subscriptions (
      id uuid PRIMARY KEY, url text NOT NULL, event_types text[] NOT NULL, secret text NOT NULL, description text,
      status text NOT NULL CHECK (status IN ('active', 'disabled')), disabled_reason text, disabled_at timestamptz,
      last_success_at timestamptz, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
    // The replay log: seq is the cursor CRMs keep (CloudEvents "sequence").
    await q.query(`CREATE TABLE "${s}".events (
      seq bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE, topic text NOT NULL, ce_type text NOT NULL,
      ordering_key text NOT NULL, contact_id text, occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL, payload jsonb NOT NULL)`);
    await q.query(`CREATE INDEX events_occurred ON "${s}".events (occurred_at)`);
    await q.query(`CREATE INDEX events_contact ON "${s}".events (contact_id) WHERE contact_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_key ON "${s}".events (ordering_key)`);
    await q.query(`CREATE TABLE "${s}".deliveries (
      id bigserial PRIMARY KEY, subscription_id uuid NOT NULL REFERENCES "${s}".subscriptions(id) ON DELETE CASCADE,
      event_seq bigint NOT NULL REFERENCES "${s}".events(seq) ON DELETE CASCADE, ordering_key text NOT NULL,
      occurred_at timestamptz NOT NULL, origin text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')), attempts int NOT NULL DEFAULT 0,
      first_attempt_at timestamptz, next_attempt_at timestamptz NOT NULL, lease_until timestamptz,
      last_status int, last_error text, created_at timestamptz NOT NULL, delivered_at timestamptz, dead_at timestamptz,
      UNIQUE (subscription_id, event_seq, origin))`);
    await q.query(`CREATE INDEX deliveries_pending ON "${s}".deliveries (subscription_id, ordering_key, occurred_at, event_seq, id) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX deliveries_dead ON "${s}".deliveries (subscription_id, id) WHERE state = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".deliveries`);
    await q.query(`DROP TABLE IF EXISTS "${s}".events`);
    await q.query(`DROP TABLE IF EXISTS "${s}".subscriptions`);
  }
}
