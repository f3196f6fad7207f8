import type { EntityManager } from 'typeorm';

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

/** When the contact was last routed, and its last CSAT answer: facts routing rules read. */
export interface History {
  lastContactAt?: Date;
  lastCsat?: number;
}

/** A contact's history before a time, as select-list columns over two parameters (contact id null: none). */
function historyColumns(schema: string, contactParam: string, atParam: string): string {
  return `(SELECT max(decided_at) FROM "${schema}".routing_decisions WHERE contact_id = ${contactParam} AND decided_at < ${atParam}) AS last_contact_at,
              (SELECT score FROM "${schema}".contact_csat WHERE contact_id = ${contactParam}) AS last_csat`;
}

function historyOf(r: Record<string, unknown>): History {
  return { lastContactAt: (r.last_contact_at as Date | null) ?? undefined, lastCsat: (r.last_csat as number | null) ?? undefined };
}

/** The router's tables (schema `router`), in raw SQL: these run on every customer message. */
export class RouterStore {
  private readonly s: string;

  constructor(private readonly manager: EntityManager) {
    this.s = (manager.connection.options as { schema: string }).schema;
  }

  /**
   * In one round trip (this runs for every customer message): the conversation's routing record,
   * its bot session, the active document version, and what `history` gives for the contact, which
   * routing needs whenever the message is routed (most messages of a busy system open a
   * conversation; for the others the two index probes cost less than a second round trip).
   */
  async state(
    conversationId: string,
    contact: { contactId: string; at: Date },
  ): Promise<{ conversation?: { closedAt: Date | null }; session?: BotSession; activeVersion?: number; history: History }> {
    const [r] = (await this.manager.query(
      `SELECT (SELECT max(version) FROM "${this.s}".routing_documents) AS active_version,
              c.conversation_id AS routed_id, c.closed_at,
              b.conversation_id AS session_id, b.contact_id, b.flow, b.document_version, b.step, b.attempts, b.answers, b.message, b.started_at, b.updated_at,
              ${historyColumns(this.s, '$2', '$3')}
       FROM (SELECT 1) AS one
       LEFT JOIN "${this.s}".routed_conversations c ON c.conversation_id = $1
       LEFT JOIN "${this.s}".bot_sessions b ON b.conversation_id = $1`,
      [conversationId, contact.contactId || null, contact.at],
    )) as Array<Record<string, unknown>>;
    return {
      activeVersion: (r.active_version as number | null) ?? undefined,
      conversation: r.routed_id ? { closedAt: r.closed_at as Date | null } : undefined,
      session: r.session_id ? sessionOf(r) : undefined,
      history: historyOf(r),
    };
  }

  async saveConversation(row: { conversationId: string; contactId: string; queue: string; priority: number; documentVersion: number; routedAt: Date; reasons: unknown }): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.s}".routed_conversations (conversation_id, contact_id, queue, priority, policy_version, document_version, routed_at, closed_at, reasons)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)
       ON CONFLICT (conversation_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, queue = EXCLUDED.queue, priority = EXCLUDED.priority,
         policy_version = EXCLUDED.policy_version, document_version = EXCLUDED.document_version, routed_at = EXCLUDED.routed_at, closed_at = NULL, reasons = EXCLUDED.reasons`,
      [row.conversationId, row.contactId || null, row.queue, row.priority, `document-${row.documentVersion}`, row.documentVersion, row.routedAt, JSON.stringify(row.reasons)],
    );
  }

  /**
   * Marks a routed conversation resolved and ends its bot session (a conversation resolved while
   * its bot was still asking starts afresh next time), in one statement; returns false when the
   * router never routed it.
   */
  async close(conversationId: string, at: Date): Promise<boolean> {
    const [, affected] = (await this.manager.query(
      `WITH ended AS (DELETE FROM "${this.s}".bot_sessions WHERE conversation_id = $1)
       UPDATE "${this.s}".routed_conversations SET closed_at = $2 WHERE conversation_id = $1`,
      [conversationId, at],
    )) as [unknown, number];
    return affected > 0;
  }

  /** When the contact was last routed before `at` (any conversation, a reopened one included), and its last CSAT answer. */
  async history(contactId: string, at: Date): Promise<History> {
    if (!contactId) return {};
    const [r] = (await this.manager.query(`SELECT ${historyColumns(this.s, '$1', '$2')}`, [contactId, at])) as Array<Record<string, unknown>>;
    return historyOf(r);
  }

  /** Keeps the newest answer per contact (a late, older survey never overwrites a newer one). */
  async recordCsat(contactId: string, score: number, at: Date): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.s}".contact_csat (contact_id, score, recorded_at) VALUES ($1, $2, $3)
       ON CONFLICT (contact_id) DO UPDATE SET score = EXCLUDED.score, recorded_at = EXCLUDED.recorded_at WHERE contact_csat.recorded_at <= EXCLUDED.recorded_at`,
      [contactId, score, at],
    );
  }

  async recordDecision(row: DecisionRow): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.s}".routing_decisions (id, conversation_id, contact_id, message_id, decided_at, document_version, queue, priority, bot_flow, reasons, handoff_context, facts, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
      [row.id, row.conversationId, row.contactId || null, row.messageId, row.decidedAt, row.documentVersion, row.queue, row.priority, row.botFlow, JSON.stringify(row.reasons), JSON.stringify(row.handoffContext), JSON.stringify(row.facts), row.message],
    );
  }

  /** Decisions of a time range, oldest first, at most `limit`. */
  async decisions(from: Date, to: Date, limit: number): Promise<DecisionRow[]> {
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
    await this.manager.query(
      `INSERT INTO "${this.s}".bot_sessions (conversation_id, contact_id, flow, document_version, step, attempts, answers, message, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (conversation_id) DO UPDATE SET step = EXCLUDED.step, attempts = EXCLUDED.attempts, answers = EXCLUDED.answers, updated_at = EXCLUDED.updated_at`,
      [session.conversationId, session.contactId, session.flow, session.documentVersion, session.step, session.attempts, JSON.stringify(session.answers), session.message, session.startedAt, now],
    );
  }

  async endSession(conversationId: string): Promise<void> {
    await this.manager.query(`DELETE FROM "${this.s}".bot_sessions WHERE conversation_id = $1`, [conversationId]);
  }

  /** Everything the router holds about a contact (erasure): decisions with their messages, bot sessions, CSAT, routed conversations. */
  async eraseContact(contactId: string, conversationIds: string[]): Promise<number> {
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
