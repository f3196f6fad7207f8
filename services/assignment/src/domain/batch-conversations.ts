import type { EntityManager } from 'typeorm';
import { isUuid } from '@omni/messaging';
import type { BatchRecord, TransactionHooks } from '@omni/persistence';
import { isIntakePending } from './intakes';
import { findConversation, schemaOf, type ConversationRow } from './store';

/** The conversation ids a batch's records name (messages, statuses and routing decisions all carry one). */
function conversationIdsOf(records: ReadonlyArray<BatchRecord>): string[] {
  const ids = new Set<string>();
  for (const record of records) {
    const id = (record.value as { conversationId?: unknown } | undefined)?.conversationId;
    // Only well-formed ids: one malformed id must not fail the statement for the whole batch.
    if (isUuid(id)) ids.add(id.toLowerCase());
  }
  return [...ids];
}

/**
 * The conversation rows a consumed batch's records name, read in one statement when the batch
 * first needs one of them, instead of one read per record.
 *
 * Each row is handed out once, to the batch's first read of its conversation: the records before
 * it in the batch concern other conversations and leave its row alone (a matching pass, which does
 * change many rows, runs only after every record, just before the commit). Every later read of the
 * conversation, after this transaction may have changed it, goes to the database, with the
 * transaction's pending intake of it written first (findConversation). Other transactions are
 * seen as before: the rows are read committed and unlocked, as findConversation reads them.
 */
class BatchConversations {
  private constructor(
    private readonly rows: Map<string, ConversationRow>,
    private readonly unread: Set<string>,
  ) {}

  static async prepare(manager: EntityManager, ids: string[]): Promise<BatchConversations> {
    const rows = ids.length
      ? ((await manager.query(`SELECT * FROM "${schemaOf(manager)}".conversation_assignments WHERE conversation_id = ANY($1::uuid[])`, [ids])) as ConversationRow[])
      : [];
    return new BatchConversations(new Map(rows.map((r) => [r.conversation_id, r])), new Set(ids));
  }

  /** The row as the batch read it ({ row: undefined }: none), or undefined when it must be read again. */
  take(conversationId: string): { row: ConversationRow | undefined } | undefined {
    const id = conversationId.toLowerCase();
    if (!this.unread.delete(id)) return undefined;
    return { row: this.rows.get(id) };
  }
}

/**
 * A conversation's row, for a record's handler: from the batch's one read when `records` is a
 * consumed batch and this is its first read of the conversation, else from the database.
 */
export async function readConversation(
  manager: EntityManager,
  hooks: TransactionHooks,
  records: ReadonlyArray<BatchRecord> | undefined,
  conversationId: string,
): Promise<ConversationRow | undefined> {
  if (!records || records.length < 2) return findConversation(manager, conversationId);
  const batch = await hooks.local('assignment.batch-conversations', () => BatchConversations.prepare(manager, conversationIdsOf(records)));
  const taken = batch.take(conversationId);
  // The batch's row predates an intake of the conversation pending since, so such a conversation
  // is read again (findConversation writes the intake first): handed out as it was, it would let a
  // second routing queue it twice. It does not happen today (routeIn reads a conversation before
  // queueing it, so its row was taken already), but nothing else would catch it.
  if (taken && !isIntakePending(manager, hooks, conversationId)) return taken.row;
  return findConversation(manager, conversationId);
}
