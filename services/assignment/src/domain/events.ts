import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  ConversationAssignedSchema,
  ConversationOffered_Status,
  ConversationOfferedSchema,
  ConversationQueuedSchema,
  ConversationResolvedSchema,
  ConversationSla_Kind,
  ConversationSla_Status,
  ConversationSlaSchema,
  create,
  timestampFromDate,
  Topics,
} from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { customerRefOf, schemaOf, type ConversationRow } from './store';

export interface Reason {
  rule: string;
  detail: string;
}

/** What the agent stream (SSE) shows; sent with pg_notify at commit so every replica sees it. */
export interface StreamNotice {
  /** The agent it concerns; empty = supervisors only. */
  agentId: string;
  kind: string;
  conversationId: string;
  data: Record<string, unknown>;
}

export function streamChannel(schema: string): string {
  return `${schema}_stream`;
}

/**
 * Delivered to listeners only if the transaction commits (PostgreSQL NOTIFY semantics). The notices
 * go out with the transaction's outbox rows, in the same statement and in the order they were made:
 * a resolve, a consumed batch or a pass that assigns many conversations pays no round trip for them.
 */
export function notify(manager: EntityManager, outbox: OutboxWriter, notice: StreamNotice): void {
  // NOTIFY payloads are capped at 8000 bytes: the stream carries ids and short fields only.
  const payload = JSON.stringify(notice);
  if (payload.length > 7_900) return;
  outbox.notify({ channel: streamChannel(schemaOf(manager)), payload });
}

function common(row: ConversationRow) {
  return { conversationId: row.conversation_id, channel: row.channel, contactId: row.contact_id, customerRef: customerRefOf(row) };
}

export function publishQueued(outbox: OutboxWriter, row: ConversationRow, position: number, estimatedWaitMs: number, reasons: Reason[], now: Date): void {
  const id = randomUUID();
  outbox.add(
    Topics.conversationQueued,
    row.conversation_id,
    create(ConversationQueuedSchema, {
      id,
      ...common(row),
      queue: row.queue,
      position,
      reasons,
      queuedAt: timestampFromDate(now),
      priority: row.rank,
      estimatedWaitMs: BigInt(estimatedWaitMs),
    }),
    { id },
  );
}

export function publishAssigned(outbox: OutboxWriter, row: ConversationRow, agent: { id: string; displayName: string }, reasons: Reason[], now: Date, previousAgentId = ''): void {
  const id = randomUUID();
  outbox.add(
    Topics.conversationAssigned,
    row.conversation_id,
    create(ConversationAssignedSchema, {
      id,
      ...common(row),
      agentId: agent.id,
      agentDisplayName: agent.displayName,
      queue: row.queue,
      reasons,
      assignedAt: timestampFromDate(now),
      waitMs: BigInt(Math.max(0, now.getTime() - row.since.getTime())),
      previousAgentId,
      priority: row.rank,
    }),
    { id },
  );
}

export function publishOffer(outbox: OutboxWriter, row: ConversationRow, agentId: string, status: ConversationOffered_Status, reasons: Reason[], now: Date, expiresAt: Date | null): void {
  const id = randomUUID();
  outbox.add(
    Topics.conversationOffered,
    row.conversation_id,
    create(ConversationOfferedSchema, {
      id,
      ...common(row),
      agentId,
      queue: row.queue,
      status,
      occurredAt: timestampFromDate(now),
      ...(expiresAt ? { expiresAt: timestampFromDate(expiresAt) } : {}),
      reasons,
      priority: row.rank,
    }),
    { id },
  );
}

export function publishResolved(outbox: OutboxWriter, row: ConversationRow, agentId: string | null, resolution: string | null, now: Date, handleMs: number): void {
  const id = randomUUID();
  outbox.add(
    Topics.conversationResolved,
    row.conversation_id,
    create(ConversationResolvedSchema, {
      id,
      ...common(row),
      agentId: agentId ?? '',
      resolvedAt: timestampFromDate(now),
      resolution: resolution ?? '',
      handleMs: BigInt(handleMs),
    }),
    { id },
  );
}

export function publishSla(
  outbox: OutboxWriter,
  row: ConversationRow,
  kind: ConversationSla_Kind,
  status: ConversationSla_Status,
  dueAt: Date,
  now: Date,
  reasons: Reason[],
  overflowQueue = '',
): void {
  const id = randomUUID();
  outbox.add(
    Topics.conversationSla,
    row.conversation_id,
    create(ConversationSlaSchema, {
      id,
      ...common(row),
      queue: row.queue,
      agentId: row.agent_id ?? '',
      kind,
      status,
      dueAt: timestampFromDate(dueAt),
      occurredAt: timestampFromDate(now),
      priority: row.rank,
      overflowQueue,
      reasons,
    }),
    { id },
  );
}

export { ConversationOffered_Status as OfferStatus, ConversationSla_Kind as SlaKind, ConversationSla_Status as SlaStatus };
