import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, writeBufferOf, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import { stateChanged } from './batch-state';

export interface BotSession {
  conversationId: string;
  contactId: string | null;
  flow: string;
  documentVersion: number;
  step: number;
  attempts: number;
  answers: Record<string, string>;
  /** The message that started the flow (protobuf bytes): routing reads it at handoff. */
  message: Buffer;
  startedAt: Date;
  /** When the customer last moved the flow on (undefined before it is stored). */
  updatedAt?: Date;
}

export interface DecisionRow {
  id: string;
  conversationId: string;
  contactId: string;
  messageId: string;
  decidedAt: Date;
  documentVersion: number;
  queue: string;
  priority: number;
  botFlow: string | null;
  reasons: Array<{ rule: string; detail: string }>;
  handoffContext: Record<string, string>;
  facts: { lastContactAt?: string; lastCsat?: number };
  message: Buffer;
}

/** A routing decision and the conversation's routing record it sets. */
export interface Routing {
  conversation: { conversationId: string; contactId: string; queue: string; priority: number; documentVersion: number; routedAt: Date; reasons: unknown };
  decision: DecisionRow;
}

/** A resolved conversation to close, when it was resolved, and who hears when the close is written. */
interface Close {
  conversationId: string;
  at: Date;
  written?: ClosesWritten;
}

/** Told, when a transaction's closes are written, how many there were and how many conversations of them the router knew. */
export type ClosesWritten = (written: { closes: number; known: number }) => void;

/** When the contact was last routed, and its last CSAT answer: facts routing rules read. */
export interface History {
  lastContactAt?: Date;
  lastCsat?: number;
}

/** What routing a customer message asks the store: its conversation, its contact, and when it was written. */
export interface StateQuestion {
  conversationId: string;
  contactId: string;
  at: Date;
}

/** What the store answers: the conversation's routing record, its bot session, the active document version, the contact's history. */
export interface ConversationState {
  conversation?: { closedAt: Date | null };
  session?: BotSession;
  activeVersion?: number;
  history: History;
}

/** A contact's history before a time, as select-list columns over two parameters (contact id null: none). */
function historyColumns(schema: string, contactParam: string, atParam: string): string {
  return `(SELECT max(decided_at) FROM "${schema}".routing_decisions WHERE contact_id = ${contactParam} AND decided_at < ${atParam}) AS last_contact_at,
              (SELECT score FROM "${schema}".contact_csat WHERE contact_id = ${contactParam}) AS last_csat`;
}

function historyOf(r: Record<string, unknown>): History {
  return { lastContactAt: (r.last_contact_at as Date | null) ?? undefined, lastCsat: (r.last_csat as number | null) ?? undefined };
}

/** A ConversationState as select-list columns, over the joined routing record `c` and bot session `b`. */
function stateColumns(schema: string, contact: string, at: string): string {
  return `(SELECT max(version) FROM "${schema}".routing_documents) AS active_version,
              c.conversation_id AS routed_id, c.closed_at,
              b.conversation_id AS session_id, b.contact_id, b.flow, b.document_version, b.step, b.attempts, b.answers, b.message, b.started_at, b.updated_at,
              ${historyColumns(schema, contact, at)}`;
}

function stateOf(r: Record<string, unknown>): ConversationState {
  return {
    activeVersion: (r.active_version as number | null) ?? undefined,
    conversation: r.routed_id ? { closedAt: r.closed_at as Date | null } : undefined,
    session: r.session_id ? sessionOf(r) : undefined,
    history: historyOf(r),
  };
}

/** The router's tables (schema `router`), in raw SQL: these run on every customer message. */
export class RouterStore {
  private readonly s: string;

  constructor(private readonly manager: EntityManager) {
    this.s = (manager.connection.options as { schema: string }).schema;
  }

  /**
   * In one round trip (this runs for every customer message a consumed batch's one lookup does not
   * answer, see BatchStates): the conversation's routing record, its bot session, the active
   * document version, and what `history` gives for the contact, which routing needs whenever the
   * message is routed (most messages of a busy system open a conversation; for the others the two
   * index probes cost less than a second round trip).
   */
  async state(conversationId: string, contact: { contactId: string; at: Date }): Promise<ConversationState> {
    await this.writePending({ conversationId, contactId: contact.contactId });
    const [r] = (await this.manager.query(
      `SELECT ${stateColumns(this.s, '$2', '$3')}
       FROM (SELECT 1) AS one
       LEFT JOIN "${this.s}".routed_conversations c ON c.conversation_id = $1
       LEFT JOIN "${this.s}".bot_sessions b ON b.conversation_id = $1`,
      [conversationId, contact.contactId || null, contact.at],
    )) as Array<Record<string, unknown>>;
    return stateOf(r);
  }

  /**
   * What `state` answers, for many messages in one statement (a consumed batch's, see BatchStates),
   * in question order. Conversation ids must be UUIDs: one malformed id fails the whole statement.
   */
  async states(questions: readonly StateQuestion[]): Promise<ConversationState[]> {
    if (!questions.length) return [];
    await this.writePending();
    const rows = (await this.manager.query(
      `SELECT t.i, ${stateColumns(this.s, 't.contact_id', 't.asked_at')}
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS t(conversation_id, contact_id, asked_at, i)
       LEFT JOIN "${this.s}".routed_conversations c ON c.conversation_id = t.conversation_id
       LEFT JOIN "${this.s}".bot_sessions b ON b.conversation_id = t.conversation_id
       ORDER BY t.i`,
      [questions.map((q) => q.conversationId), questions.map((q) => q.contactId || null), questions.map((q) => q.at)],
    )) as Array<Record<string, unknown>>;
    return rows.map(stateOf);
  }

  /**
   * Marks a routed conversation resolved and ends its bot session (a conversation resolved while
   * its bot was still asking starts afresh next time). Inside a unit of work it is written with the
   * transaction's other closes in one statement just before the commit (a consumed batch of N
   * resolutions costs one round trip instead of N); anything of this store that could see it, or
   * undo it, writes it first. `written` hears, once they are written, how many of their conversations
   * the router knew.
   */
  async close(conversationId: string, at: Date, written?: ClosesWritten): Promise<void> {
    stateChanged({ conversationId });
    const hooks = currentTransactionHooks();
    if (!hooks) {
      const known = await closeConversations(this.manager, this.s, [{ conversationId, at }]);
      written?.({ closes: 1, known });
      return;
    }
    pendingCloses(this.manager, this.s, hooks).add({ conversationId, at, written });
  }

  /** When the contact was last routed before `at` (any conversation, a reopened one included), and its last CSAT answer. */
  async history(contactId: string, at: Date): Promise<History> {
    if (!contactId) return {};
    await this.writePending({ contactId });
    const [r] = (await this.manager.query(`SELECT ${historyColumns(this.s, '$1', '$2')}`, [contactId, at])) as Array<Record<string, unknown>>;
    return historyOf(r);
  }

  /** Keeps the newest answer per contact (a late, older survey never overwrites a newer one). */
  async recordCsat(contactId: string, score: number, at: Date): Promise<void> {
    stateChanged({ contactId });
    await this.manager.query(
      `INSERT INTO "${this.s}".contact_csat (contact_id, score, recorded_at) VALUES ($1, $2, $3)
       ON CONFLICT (contact_id) DO UPDATE SET score = EXCLUDED.score, recorded_at = EXCLUDED.recorded_at WHERE contact_csat.recorded_at <= EXCLUDED.recorded_at`,
      [contactId, score, at],
    );
  }

  /**
   * A routing: the conversation's routing record (routed again if it was closed) and the decision
   * with its input, for what-if replay. Inside a unit of work it is written with the transaction's
   * other routings in one statement just before the commit (a consumed batch of N messages costs
   * one round trip for them instead of 2N); a read of this store that could see it writes it first.
   */
  async recordRouting(routing: Routing): Promise<void> {
    stateChanged({ conversationId: routing.conversation.conversationId, contactId: routing.decision.contactId });
    const hooks = currentTransactionHooks();
    if (!hooks) return insertRoutings(this.manager, this.s, [routing]);
    // A close recorded before it is written first: written after it, it would close the conversation this routes again.
    await pendingCloses(this.manager, this.s, hooks).flushIfHolds(closeKey(routing.conversation.conversationId));
    pendingRoutings(this.manager, this.s, hooks).add(routing);
  }

  /**
   * Writes the transaction's pending routings, then its pending closes, now when one concerns this
   * conversation or contact (any, when neither is given). Routings first: a pending routing of a
   * conversation always came before its pending closes (a routing writes the closes before it).
   */
  private async writePending(about?: { conversationId?: string; contactId: string }): Promise<void> {
    const hooks = currentTransactionHooks();
    if (!hooks) return;
    const [routings, closes] = [pendingRoutings(this.manager, this.s, hooks), pendingCloses(this.manager, this.s, hooks)];
    if (!about) {
      await routings.flush();
      await closes.flush();
    } else if (about.conversationId === undefined) {
      // Closes concern conversations only: a read about a contact alone leaves them pending.
      await routings.flushIfHolds(contactKey(about.contactId));
    } else {
      await routings.flushIfHolds(conversationKey(about.conversationId), contactKey(about.contactId));
      await closes.flushIfHolds(closeKey(about.conversationId));
    }
  }

  /** Writes the transaction's pending close of this conversation now (a write of its bot session follows). */
  private async writePendingClose(conversationId: string): Promise<void> {
    const hooks = currentTransactionHooks();
    if (hooks) await pendingCloses(this.manager, this.s, hooks).flushIfHolds(closeKey(conversationId));
  }

  /** Decisions of a time range, oldest first, at most `limit`. */
  async decisions(from: Date, to: Date, limit: number): Promise<DecisionRow[]> {
    await this.writePending();
    const rows = (await this.manager.query(
      `SELECT id, conversation_id, contact_id, message_id, decided_at, document_version, queue, priority, bot_flow, reasons, handoff_context, facts, message
       FROM "${this.s}".routing_decisions WHERE decided_at >= $1 AND decided_at < $2 ORDER BY decided_at, id LIMIT $3`,
      [from, to, limit],
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as string,
      conversationId: r.conversation_id as string,
      contactId: (r.contact_id as string | null) ?? '',
      messageId: r.message_id as string,
      decidedAt: r.decided_at as Date,
      documentVersion: r.document_version as number,
      queue: r.queue as string,
      priority: r.priority as number,
      botFlow: r.bot_flow as string | null,
      reasons: r.reasons as DecisionRow['reasons'],
      handoffContext: r.handoff_context as Record<string, string>,
      facts: r.facts as DecisionRow['facts'],
      message: r.message as Buffer,
    }));
  }

  async saveSession(session: BotSession, now: Date): Promise<void> {
    stateChanged({ conversationId: session.conversationId });
    await this.writePendingClose(session.conversationId);
    await this.manager.query(
      `INSERT INTO "${this.s}".bot_sessions (conversation_id, contact_id, flow, document_version, step, attempts, answers, message, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (conversation_id) DO UPDATE SET step = EXCLUDED.step, attempts = EXCLUDED.attempts, answers = EXCLUDED.answers, updated_at = EXCLUDED.updated_at`,
      [session.conversationId, session.contactId, session.flow, session.documentVersion, session.step, session.attempts, JSON.stringify(session.answers), session.message, session.startedAt, now],
    );
  }

  async endSession(conversationId: string): Promise<void> {
    stateChanged({ conversationId });
    await this.writePendingClose(conversationId);
    await this.manager.query(`DELETE FROM "${this.s}".bot_sessions WHERE conversation_id = $1`, [conversationId]);
  }

  /** Everything the router holds about a contact (erasure): decisions with their messages, bot sessions, CSAT, routed conversations. */
  async eraseContact(contactId: string, conversationIds: string[]): Promise<number> {
    await this.writePending();
    // It deletes by contact from tables read by conversation: any conversation may have changed.
    stateChanged('everything');
    const ids = conversationIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    let removed = 0;
    const count = async (sql: string, params: unknown[]) => {
      const result = (await this.manager.query(sql, params)) as [unknown[], number];
      removed += result[1] ?? 0;
    };
    await count(`DELETE FROM "${this.s}".routing_decisions WHERE contact_id = $1 OR conversation_id = ANY($2::uuid[])`, [contactId, ids]);
    await count(`DELETE FROM "${this.s}".bot_sessions WHERE contact_id = $1 OR conversation_id = ANY($2::uuid[])`, [contactId, ids]);
    await count(`DELETE FROM "${this.s}".contact_csat WHERE contact_id = $1`, [contactId]);
    await count(`DELETE FROM "${this.s}".routed_conversations WHERE contact_id = $1 OR conversation_id = ANY($2::uuid[])`, [contactId, ids]);
    return removed;
  }
}

function sessionOf(r: Record<string, unknown>): BotSession {
  return {
    conversationId: r.session_id as string,
    contactId: r.contact_id as string | null,
    flow: r.flow as string,
    documentVersion: r.document_version as number,
    step: r.step as number,
    attempts: r.attempts as number,
    answers: r.answers as Record<string, string>,
    message: r.message as Buffer,
    startedAt: r.started_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

/** What pending routings are found by: their conversation (lower-cased: the same UUID may come in either case), and their contact when they have one. */
const conversationKey = (conversationId: string): string => `conversation:${conversationId.toLowerCase()}`;
const contactKey = (contactId: string): string => `contact:${contactId}`;

/** A transaction's routings not yet written. */
function pendingRoutings(manager: EntityManager, schema: string, hooks: TransactionHooks): WriteBuffer<Routing> {
  return writeBufferOf(
    hooks,
    'router.routings',
    (rows: Routing[]) => insertRoutings(manager, schema, rows),
    (routing) => [conversationKey(routing.conversation.conversationId), ...(routing.decision.contactId ? [contactKey(routing.decision.contactId)] : [])],
  );
}

/** What pending closes are found by: their conversation, lower-cased (the same UUID may come in either case). */
const closeKey = (conversationId: string): string => conversationId.toLowerCase();

/**
 * A transaction's closes not yet written. They are written after every routing pending at that
 * moment, all of which came before them (a routing recorded after a close writes that close
 * first), so the routing record ends as the records left it in order. Then each listener that came
 * with them hears, once, how they went.
 */
function pendingCloses(manager: EntityManager, schema: string, hooks: TransactionHooks): WriteBuffer<Close> {
  return writeBufferOf(
    hooks,
    'router.closes',
    async (rows: Close[]) => {
      // The routings recorded before these closes, so that none of them reopens what a close closed.
      await pendingRoutings(manager, schema, hooks).flush();
      const known = await closeConversations(manager, schema, rows);
      // Once each, however many of the closes came with it.
      for (const listener of new Set(rows.map((row) => row.written))) listener?.({ closes: rows.length, known });
    },
    (close) => [closeKey(close.conversationId)],
  );
}

/**
 * Closes in one statement: each conversation's bot session deleted and its routing record closed
 * at the time of its last close (as closing them one by one would leave it; an UPDATE may touch a
 * row only once). Returns how many routing records it closed: the conversations the router knew.
 */
async function closeConversations(manager: EntityManager, schema: string, rows: readonly Close[]): Promise<number> {
  const [, known] = (await manager.query(
    `WITH closes AS (
       SELECT DISTINCT ON (conversation_id) conversation_id, closed_at
         FROM unnest($1::uuid[], $2::timestamptz[]) WITH ORDINALITY AS t(conversation_id, closed_at, i)
        ORDER BY conversation_id, i DESC
     ), ended AS (
       DELETE FROM "${schema}".bot_sessions b USING closes WHERE b.conversation_id = closes.conversation_id
     )
     UPDATE "${schema}".routed_conversations c SET closed_at = closes.closed_at FROM closes WHERE c.conversation_id = closes.conversation_id`,
    [rows.map((r) => r.conversationId), rows.map((r) => r.at)],
  )) as [unknown, number];
  return known;
}

/**
 * Routings in one statement: the decisions (a redelivered one is kept as it was) and the routing
 * records, the last routing of a conversation winning (an upsert may touch a row only once).
 */
async function insertRoutings(manager: EntityManager, schema: string, rows: readonly Routing[]): Promise<void> {
  if (!rows.length) return;
  const column = <T>(pick: (r: Routing) => T): T[] => rows.map(pick);
  await manager.query(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::int[], $9::text[], $10::jsonb[],
                            $11::jsonb[], $12::jsonb[], $13::bytea[], $14::timestamptz[], $15::jsonb[])
         WITH ORDINALITY AS t(id, conversation_id, contact_id, message_id, decided_at, document_version, queue, priority, bot_flow, reasons,
                              handoff_context, facts, message, routed_at, routed_reasons, i)
     ), decided AS (
       INSERT INTO "${schema}".routing_decisions (id, conversation_id, contact_id, message_id, decided_at, document_version, queue, priority, bot_flow, reasons, handoff_context, facts, message)
       SELECT id, conversation_id, contact_id, message_id, decided_at, document_version, queue, priority, bot_flow, reasons, handoff_context, facts, message
         FROM input ORDER BY i ON CONFLICT (id) DO NOTHING
     )
     INSERT INTO "${schema}".routed_conversations (conversation_id, contact_id, queue, priority, policy_version, document_version, routed_at, closed_at, reasons)
     SELECT DISTINCT ON (conversation_id) conversation_id, contact_id, queue, priority, 'document-' || document_version, document_version, routed_at, NULL, routed_reasons
       FROM input ORDER BY conversation_id, i DESC
     ON CONFLICT (conversation_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, queue = EXCLUDED.queue, priority = EXCLUDED.priority,
       policy_version = EXCLUDED.policy_version, document_version = EXCLUDED.document_version, routed_at = EXCLUDED.routed_at, closed_at = NULL, reasons = EXCLUDED.reasons`,
    [
      column((r) => r.decision.id),
      column((r) => r.conversation.conversationId),
      column((r) => r.conversation.contactId || null),
      column((r) => r.decision.messageId),
      column((r) => r.decision.decidedAt),
      column((r) => r.decision.documentVersion),
      column((r) => r.conversation.queue),
      column((r) => r.conversation.priority),
      column((r) => r.decision.botFlow),
      column((r) => JSON.stringify(r.decision.reasons)),
      column((r) => JSON.stringify(r.decision.handoffContext)),
      column((r) => JSON.stringify(r.decision.facts)),
      column((r) => r.decision.message),
      column((r) => r.conversation.routedAt),
      column((r) => JSON.stringify(r.conversation.reasons)),
    ],
  );
}
