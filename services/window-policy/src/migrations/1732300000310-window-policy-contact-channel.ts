import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Windows per contact × channel (they were per conversation), contacts, X pacing, and durable
 * timers. The old conversation_windows rows cannot be keyed by recipient, so they are dropped: a
 * window reopens with the customer's next message.
 */
export class WindowPolicyContactChannel1732300000310 implements MigrationInterface {
  name = 'WindowPolicyContactChannel1732300000310';

  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${s}".conversation_windows`);
    await q.query(`CREATE TABLE "${s}".channel_windows (
      channel int NOT NULL, channel_user_id text NOT NULL, account_id text NOT NULL DEFAULT '',
      contact_id text, conversation_id text,
      last_inbound_at timestamptz, window_closes_at timestamptz, window_kind text NOT NULL DEFAULT 'standard',
      closed_by_provider_at timestamptz, dms_closed_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel, channel_user_id))`);
    await q.query(`CREATE INDEX channel_windows_contact ON "${s}".channel_windows (contact_id)`);
    await q.query(`CREATE INDEX consents_contact ON "${s}".consents (contact_id)`);
    await q.query(`CREATE TABLE "${s}".contacts (
      contact_id text PRIMARY KEY, preferred_channel text, timezone text, phone_e164 text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "${s}".x_sends (account_id text NOT NULL, sent_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX x_sends_account_time ON "${s}".x_sends (account_id, sent_at)`);
    await q.query(`CREATE INDEX x_sends_time ON "${s}".x_sends (sent_at)`);
    await q.query(`CREATE TABLE "${s}".x_pauses (account_id text PRIMARY KEY, paused_until timestamptz NOT NULL)`);
    await q.query(`CREATE TABLE "${s}".timers (
      id uuid PRIMARY KEY, kind text NOT NULL, subject text NOT NULL, due_at timestamptz NOT NULL,
      payload jsonb NOT NULL, contact_id text, fired_at timestamptz, fired_by text,
      created_at timestamptz NOT NULL DEFAULT now())`);
    // One pending timer per kind and subject: rescheduling moves it instead of adding a second.
    await q.query(`CREATE UNIQUE INDEX timers_pending ON "${s}".timers (kind, subject) WHERE fired_at IS NULL`);
    await q.query(`CREATE INDEX timers_due ON "${s}".timers (due_at) WHERE fired_at IS NULL`);
    await q.query(`CREATE INDEX timers_contact ON "${s}".timers (contact_id) WHERE fired_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    for (const table of ['timers', 'x_pauses', 'x_sends', 'contacts', 'channel_windows']) await q.query(`DROP TABLE IF EXISTS "${s}".${table}`);
    await q.query(`DROP INDEX IF EXISTS "${s}".consents_contact`);
    await q.query(`CREATE TABLE "${s}".conversation_windows (
      conversation_id uuid PRIMARY KEY, channel int NOT NULL, last_inbound_at timestamptz NOT NULL)`);
  }
}
