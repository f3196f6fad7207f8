import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, roundsOf, schemaOf, writeBufferOf, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import { Channel, channelSlug } from '@omni/contracts';
import type { RecipientState } from '../domain/decide';
import { writePendingTimers } from '../timers/timer-store';

interface WindowRow {
  channel: number;
  channel_user_id: string;
  account_id: string;
  contact_id: string | null;
  conversation_id: string | null;
  last_inbound_at: Date | null;
  window_closes_at: Date | null;
  window_kind: string;
  closed_by_provider_at: Date | null;
  dms_closed_at: Date | null;
  consent: string | null;
}

export interface ContactRow {
  contact_id: string;
  preferred_channel: string | null;
  timezone: string | null;
  phone_e164: string | null;
}

const SELECT_STATE = (s: string) => `
  SELECT w.channel, w.channel_user_id, w.account_id, w.contact_id, w.conversation_id, w.last_inbound_at, w.window_closes_at,
         w.window_kind, w.closed_by_provider_at, w.dms_closed_at, c.state AS consent
    FROM "${s}".channel_windows w LEFT JOIN "${s}".consents c ON c.channel = w.channel AND c.channel_user_id = w.channel_user_id`;

function toState(row: WindowRow): RecipientState {
  return {
    channel: row.channel as Channel,
    channelUserId: row.channel_user_id,
    accountId: row.account_id,
    contactId: row.contact_id ?? undefined,
    conversationId: row.conversation_id ?? undefined,
    lastInboundAt: row.last_inbound_at ?? undefined,
    windowClosesAt: row.window_closes_at ?? undefined,
    windowKind: row.window_kind === 'ad_referral' ? 'ad_referral' : 'standard',
    closedByProviderAt: row.closed_by_provider_at ?? undefined,
    consent: (row.consent as RecipientState['consent']) ?? undefined,
    dmsClosedAt: row.dms_closed_at ?? undefined,
  };
}

/** What a customer message tells about the contact: kept where set, never cleared by a blank. */
export interface ContactFacts {
  contactId: string;
  preferredChannel?: string;
  timezone?: string;
  phoneE164?: string;
}

/** The window a customer message opens or refreshes. */
export interface InboundWindow {
  channel: Channel;
  channelUserId: string;
  accountId: string;
  contactId?: string;
  conversationId?: string;
  at: Date;
  closesAt: Date | null;
  kind: 'standard' | 'ad_referral';
}

/** What follows from a window once it is written (its expiry timers), given the window as written. */
export type WindowWritten = (state: RecipientState) => Promise<void>;

/** A customer message as recordInbound keeps it until it is written. */
interface Inbound {
  window: InboundWindow;
  contact?: ContactFacts;
  written?: WindowWritten;
}

const recipientKey = (channel: Channel | number, channelUserId: string): string => `${channel}:${channelUserId}`;

/**
 * Customer messages of one round (no window or contact twice: an upsert may touch a row only
 * once) in one statement: the windows, and the contacts' facts in a data-modifying WITH. Each
 * window is merged exactly as if its message came alone, never moved backwards (out-of-order
 * delivery). Rows are taken in key order, so that two replicas' batches lock the rows they share
 * in the same order instead of deadlocking. Returns the windows as written, in no particular order.
 */
async function upsertInboundRound(manager: EntityManager, schema: string, round: readonly Inbound[]): Promise<WindowRow[]> {
  const column = <T>(pick: (m: Inbound) => T): T[] => round.map(pick);
  return manager.query(
    `WITH input AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[],
                            $9::text[], $10::text[], $11::text[], $12::text[])
         AS t(channel, channel_user_id, account_id, contact_id, conversation_id, last_inbound_at, window_closes_at, window_kind,
              facts_contact_id, preferred_channel, timezone, phone_e164)
     ), contact AS (
       INSERT INTO "${schema}".contacts AS c (contact_id, preferred_channel, timezone, phone_e164)
       SELECT facts_contact_id, preferred_channel, timezone, phone_e164 FROM input WHERE facts_contact_id IS NOT NULL ORDER BY facts_contact_id
       ON CONFLICT (contact_id) DO UPDATE SET preferred_channel = COALESCE(EXCLUDED.preferred_channel, c.preferred_channel),
         timezone = COALESCE(EXCLUDED.timezone, c.timezone), phone_e164 = COALESCE(EXCLUDED.phone_e164, c.phone_e164), updated_at = now()
     )
     INSERT INTO "${schema}".channel_windows AS w (channel, channel_user_id, account_id, contact_id, conversation_id, last_inbound_at, window_closes_at, window_kind, updated_at)
     SELECT channel, channel_user_id, account_id, contact_id, conversation_id, last_inbound_at, window_closes_at, window_kind, now() FROM input ORDER BY channel, channel_user_id
     ON CONFLICT (channel, channel_user_id) DO UPDATE SET
       account_id = CASE WHEN EXCLUDED.account_id <> '' THEN EXCLUDED.account_id ELSE w.account_id END,
       contact_id = COALESCE(EXCLUDED.contact_id, w.contact_id),
       conversation_id = CASE WHEN w.last_inbound_at IS NULL OR EXCLUDED.last_inbound_at >= w.last_inbound_at THEN COALESCE(EXCLUDED.conversation_id, w.conversation_id) ELSE w.conversation_id END,
       last_inbound_at = GREATEST(w.last_inbound_at, EXCLUDED.last_inbound_at),
       window_kind = CASE WHEN w.window_closes_at IS NULL OR EXCLUDED.window_closes_at > w.window_closes_at THEN EXCLUDED.window_kind ELSE w.window_kind END,
       window_closes_at = GREATEST(w.window_closes_at, EXCLUDED.window_closes_at),
       -- The customer wrote (again): X DMs are evidently open.
       dms_closed_at = CASE WHEN w.dms_closed_at < EXCLUDED.last_inbound_at THEN NULL ELSE w.dms_closed_at END,
       updated_at = now()
     RETURNING *, NULL AS consent`,
    [
      column((m) => m.window.channel),
      column((m) => m.window.channelUserId),
      column((m) => m.window.accountId),
      column((m) => m.window.contactId || null),
      column((m) => m.window.conversationId || null),
      column((m) => m.window.at),
      column((m) => m.window.closesAt),
      column((m) => m.window.kind),
      column((m) => m.contact?.contactId ?? null),
      column((m) => m.contact?.preferredChannel || null),
      column((m) => m.contact?.timezone || null),
      column((m) => m.contact?.phoneE164 || null),
    ],
  );
}

/** What repeats split a batch's messages into rounds (roundsOf): their window, and their contact. */
function roundKeysOf(message: Inbound): string[] {
  const keys = [`window:${recipientKey(message.window.channel, message.window.channelUserId)}`];
  if (message.contact) keys.push(`contact:${message.contact.contactId}`);
  return keys;
}

/** Writes customer messages, a statement per round, then hands each its window as written. */
async function writeInbound(manager: EntityManager, schema: string, messages: readonly Inbound[]): Promise<void> {
  const written = new Map<Inbound, RecipientState>();
  for (const round of roundsOf(messages, roundKeysOf)) {
    const rows = new Map((await upsertInboundRound(manager, schema, round)).map((row) => [recipientKey(row.channel, row.channel_user_id), row]));
    for (const message of round) written.set(message, toState(rows.get(recipientKey(message.window.channel, message.window.channelUserId))!));
  }
  // In the messages' order, as when each was written alone: of two timers for one window, the later one wins.
  for (const message of messages) await message.written?.(written.get(message)!);
}

/** What pending customer messages are found by: their recipient (whose window they write), and the contact whose facts they carry. */
const recipientPendingKey = (channel: Channel | number, channelUserId: string): string => `recipient:${recipientKey(channel, channelUserId)}`;
const contactPendingKey = (contactId: string): string => `contact:${contactId}`;

/** A transaction's customer messages not yet written. */
function pendingInbound(manager: EntityManager, schema: string, hooks: TransactionHooks): WriteBuffer<Inbound> {
  return writeBufferOf(
    hooks,
    'window-policy.inbound',
    (messages: Inbound[]) => writeInbound(manager, schema, messages),
    (message) => [recipientPendingKey(message.window.channel, message.window.channelUserId), ...(message.contact ? [contactPendingKey(message.contact.contactId)] : [])],
  );
}

/**
 * Window, consent and reachability per contact × channel, in the service's own schema. Raw SQL:
 * these run on every outbound and every customer message.
 *
 * Customer messages recorded in a unit of work wait for its commit (recordInbound); whatever else
 * reads or writes the windows or contacts they touch writes them first, so the transaction sees
 * them in order as if written at once. Consents and the X tables need not: no customer message
 * writes them.
 */
export class StateStore {
  constructor(private readonly manager: EntityManager) {}

  private get s(): string {
    return schemaOf(this.manager);
  }

  /**
   * A customer message: opens or refreshes the window, never moves it backwards (out-of-order
   * delivery), and records the contact's facts; `written` then gets the window as written (the
   * timers it needs). Inside a unit of work the message is written with the transaction's other
   * customer messages just before the commit (a consumed batch of N costs one statement, not N);
   * outside one, at once.
   */
  async recordInbound(window: InboundWindow, contact?: ContactFacts, written?: WindowWritten): Promise<void> {
    const hooks = currentTransactionHooks();
    if (!hooks) return writeInbound(this.manager, this.s, [{ window, contact, written }]);
    pendingInbound(this.manager, this.s, hooks).add({ window, contact, written });
  }

  /** The transaction's pending customer messages, or none outside a unit of work. */
  private pending(): WriteBuffer<Inbound> | undefined {
    const hooks = currentTransactionHooks();
    return hooks ? pendingInbound(this.manager, this.s, hooks) : undefined;
  }

  /** A provider answered "outside the window" (131047, 10/2018278). */
  async recordClosedByProvider(channel: Channel, channelUserId: string, at: Date): Promise<void> {
    await this.pending()?.flushIfHolds(recipientPendingKey(channel, channelUserId));
    await this.manager.query(
      `INSERT INTO "${this.s}".channel_windows AS w (channel, channel_user_id, closed_by_provider_at) VALUES ($1, $2, $3)
       ON CONFLICT (channel, channel_user_id) DO UPDATE SET closed_by_provider_at = GREATEST(w.closed_by_provider_at, EXCLUDED.closed_by_provider_at), updated_at = now()`,
      [channel, channelUserId, at],
    );
  }

  /** X said the recipient does not accept DMs from the account. */
  async recordDmsClosed(channel: Channel, channelUserId: string, accountId: string, at: Date): Promise<void> {
    await this.pending()?.flushIfHolds(recipientPendingKey(channel, channelUserId));
    await this.manager.query(
      `INSERT INTO "${this.s}".channel_windows AS w (channel, channel_user_id, account_id, dms_closed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel, channel_user_id) DO UPDATE SET dms_closed_at = GREATEST(w.dms_closed_at, EXCLUDED.dms_closed_at), updated_at = now()`,
      [channel, channelUserId, accountId, at],
    );
  }

  /**
   * The consent ledger, in the order changes happened (an older event never overrides a newer
   * one). A provider-reported marketing stop never weakens a full opt-out.
   */
  async recordConsent(input: { channel: Channel; channelUserId: string; state: 'opted_out' | 'opted_in' | 'marketing_opted_out'; contactId?: string; keyword?: string; at: Date }): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.s}".consents AS c (channel, channel_user_id, state, contact_id, keyword, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (channel, channel_user_id) DO UPDATE SET state = EXCLUDED.state, contact_id = COALESCE(EXCLUDED.contact_id, c.contact_id),
         keyword = EXCLUDED.keyword, changed_at = EXCLUDED.changed_at
       WHERE c.changed_at <= EXCLUDED.changed_at AND NOT (c.state = 'opted_out' AND EXCLUDED.state = 'marketing_opted_out')`,
      [input.channel, input.channelUserId, input.state, input.contactId || null, input.keyword || null, input.at],
    );
  }

  async consentOf(channel: Channel, channelUserId: string): Promise<RecipientState['consent']> {
    const [row]: Array<{ state: string }> = await this.manager.query(`SELECT state FROM "${this.s}".consents WHERE channel = $1 AND channel_user_id = $2`, [channel, channelUserId]);
    return (row?.state as RecipientState['consent']) ?? undefined;
  }

  async contact(contactId: string): Promise<ContactRow | undefined> {
    await this.pending()?.flushIfHolds(contactPendingKey(contactId));
    const [row]: ContactRow[] = await this.manager.query(`SELECT contact_id, preferred_channel, timezone, phone_e164 FROM "${this.s}".contacts WHERE contact_id = $1`, [contactId]);
    return row;
  }

  /** The recipient's state on a channel; consent alone when no message was ever seen. */
  async recipient(channel: Channel, channelUserId: string): Promise<RecipientState | undefined> {
    await this.pending()?.flushIfHolds(recipientPendingKey(channel, channelUserId));
    const [row]: WindowRow[] = await this.manager.query(`${SELECT_STATE(this.s)} WHERE w.channel = $1 AND w.channel_user_id = $2`, [channel, channelUserId]);
    if (row) return toState(row);
    const consent = await this.consentOf(channel, channelUserId);
    return consent ? { channel, channelUserId, accountId: '', consent } : undefined;
  }

  /**
   * Everything known about a contact, one entry per channel (its most recently active recipient),
   * plus SMS to the contact's phone number when it has no SMS thread yet (the seed follow-up case).
   */
  async contactChannels(contactId: string, contact?: ContactRow): Promise<RecipientState[]> {
    // Any pending message may link a recipient to this contact or away from it (a message's
    // contact id replaces the window's): all are written. Outbound batches, where this runs, hold none.
    await this.pending()?.flush();
    const rows: WindowRow[] = await this.manager.query(
      `SELECT DISTINCT ON (q.channel) q.* FROM (${SELECT_STATE(this.s)} WHERE w.contact_id = $1) q
        ORDER BY q.channel, q.last_inbound_at DESC NULLS LAST`,
      [contactId],
    );
    const states = rows.map(toState);
    const phone = contact?.phone_e164;
    if (phone && !states.some((s) => s.channel === Channel.SMS)) {
      states.push({ channel: Channel.SMS, channelUserId: phone, accountId: '', consent: await this.consentOf(Channel.SMS, phone) });
    }
    return states;
  }

  /** Epoch-ms times of X sends approved in the last 24 h: for one account, and for the app. */
  async xSends(accountId: string, now: Date): Promise<{ account: number[]; app: number[] }> {
    await this.manager.query(`DELETE FROM "${this.s}".x_sends WHERE sent_at <= $1`, [new Date(now.getTime() - 24 * 3_600_000)]);
    const rows: Array<{ account_id: string; sent_at: Date }> = await this.manager.query(`SELECT account_id, sent_at FROM "${this.s}".x_sends ORDER BY sent_at DESC LIMIT 5000`);
    return { account: rows.filter((r) => r.account_id === accountId).map((r) => r.sent_at.getTime()), app: rows.map((r) => r.sent_at.getTime()) };
  }

  async recordXSend(accountId: string, at: Date): Promise<void> {
    await this.manager.query(`INSERT INTO "${this.s}".x_sends (account_id, sent_at) VALUES ($1, $2)`, [accountId, at]);
  }

  async xPausedUntil(accountId: string): Promise<Date | undefined> {
    const [row]: Array<{ paused_until: Date }> = await this.manager.query(`SELECT paused_until FROM "${this.s}".x_pauses WHERE account_id = $1`, [accountId]);
    return row?.paused_until;
  }

  async recordXPause(accountId: string, until: Date): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.s}".x_pauses AS p (account_id, paused_until) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET paused_until = GREATEST(p.paused_until, EXCLUDED.paused_until)`,
      [accountId, until],
    );
  }

  /**
   * Erasure: windows, contact data and pending timers go. An SMS/WhatsApp opt-out stays as a bare
   * suppression entry (channel + id, no contact link): honouring STOP must outlive the erasure.
   */
  async eraseContact(contactId: string, conversationIds: readonly string[]): Promise<void> {
    await this.pending()?.flush(); // their windows may be the contact's or its conversations', and they schedule timers
    await this.manager.query(`DELETE FROM "${this.s}".channel_windows WHERE contact_id = $1 OR conversation_id = ANY($2::text[])`, [contactId, conversationIds]);
    await this.manager.query(`DELETE FROM "${this.s}".consents WHERE contact_id = $1 AND state = 'opted_in'`, [contactId]);
    await this.manager.query(`UPDATE "${this.s}".consents SET contact_id = NULL, keyword = NULL WHERE contact_id = $1`, [contactId]);
    await this.manager.query(`DELETE FROM "${this.s}".contacts WHERE contact_id = $1`, [contactId]);
    await writePendingTimers(this.manager); // none of the contact's may be left to be written after the delete
    await this.manager.query(`DELETE FROM "${this.s}".timers WHERE contact_id = $1`, [contactId]);
  }
}

export function slugOf(channel: Channel): string {
  try {
    return channelSlug(channel);
  } catch {
    return `channel-${channel}`;
  }
}
