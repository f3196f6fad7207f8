import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, schemaOf } from '@omni/persistence';
import { Channel, channelSlug, CustomerRefSchema, fromBinary, type CustomerRef } from '@omni/contracts';
import { writePendingIntakes } from './intakes';
import type { AgentState, PresenceStatus, QueuePolicy, QueuedConversation, SkillRequirement, Strategy } from './matching';

/** The service's schema, for raw SQL (the persistence lib's). */
export { schemaOf };

export type ConversationState = 'queued' | 'offered' | 'assigned' | 'resolved' | 'parked';

/** A conversation_assignments row as PostgreSQL returns it. */
export interface ConversationRow {
  conversation_id: string;
  state: ConversationState;
  agent_id: string | null;
  queue: string;
  priority: number;
  channel: number;
  contact_id: string;
  routed_at: Date;
  reply_deadline: Date | null;
  assigned_at: Date | null;
  resolved_at: Date | null;
  resolution: string | null;
  weight: number;
  rank: number;
  escalated: boolean;
  language: string;
  required_skills: SkillRequirement[];
  customer_ref: Buffer | null;
  handoff_context: Record<string, string>;
  account_id: string;
  channel_user_id: string;
  message_id: string;
  offered_at: Date | null;
  offer_expires_at: Date | null;
  excluded_agents: string[];
  published_position: number | null;
  first_response_due: Date | null;
  first_responded_at: Date | null;
  next_response_due: Date | null;
  sla_warned: string[];
  sla_breaches: number;
  previous_agent_id: string | null;
  since: Date;
  queue_reason: string;
  routing_reasons: Array<{ rule: string; detail: string }>;
}

export interface AgentRow {
  id: string;
  display_name: string;
  status: PresenceStatus;
  capacity: number;
  channel_capacity: Record<string, number>;
  skill_levels: Record<string, number>;
  skills: string[];
  languages: string[];
  teams: string[];
  last_assigned_at: Date | null;
  last_heartbeat_at: Date | null;
  offline_since: Date | null;
  updated_at: Date;
  /** Computed: weight units held, per channel (enum number → units), and the number of conversations. */
  load: number;
  channel_load: Record<string, number>;
  held: number;
}

export interface QueueRow {
  name: string;
  strategy: Strategy;
  teams: string[];
  offer_timeout_ms: number;
  first_response_ms: number | null;
  next_response_ms: number | null;
  overflow_queue: string | null;
  csat: boolean;
  rr_cursor: string | null;
  avg_handle_ms: number | null;
}

/** The one queue order in SQL: the twin of compareQueued (matching.ts). */
export const QUEUE_ORDER_SQL = 'rank DESC, reply_deadline ASC NULLS LAST, since ASC, conversation_id ASC';

/** The conversation's row, with the caller's transaction's pending intake of it written first. */
export async function findConversation(manager: EntityManager, conversationId: string): Promise<ConversationRow | undefined> {
  await writePendingIntakes(manager, [conversationId]);
  const [row] = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".conversation_assignments WHERE conversation_id = $1`, [conversationId])) as ConversationRow[];
  return row;
}

/** What ordering and matching read of a waiting conversation (a pass loads many: keep it narrow). */
export type QueuedRow = Pick<
  ConversationRow,
  'conversation_id' | 'queue' | 'rank' | 'reply_deadline' | 'since' | 'channel' | 'weight' | 'required_skills' | 'language' | 'excluded_agents' | 'published_position' | 'queue_reason' | 'escalated'
>;

/** The queue in its order, with every intake pending in the caller's transaction written first (any of them waits). */
export async function loadQueued(manager: EntityManager, limit: number): Promise<QueuedRow[]> {
  await writePendingIntakes(manager);
  return manager.query(`SELECT ${QUEUED_COLUMNS} FROM "${schemaOf(manager)}".conversation_assignments WHERE state = 'queued' ORDER BY ${QUEUE_ORDER_SQL} LIMIT $1`, [limit]);
}

/** The columns of a QueuedRow, in SQL. */
export const QUEUED_COLUMNS = 'conversation_id, queue, rank, reply_deadline, since, channel, weight, required_skills, language, excluded_agents, published_position, queue_reason, escalated';

/** Full rows of these conversations (to publish their events), pending intakes of them written first. */
export async function loadConversations(manager: EntityManager, ids: readonly string[]): Promise<Map<string, ConversationRow>> {
  if (!ids.length) return new Map();
  await writePendingIntakes(manager, ids);
  const rows = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".conversation_assignments WHERE conversation_id = ANY($1::uuid[])`, [ids])) as ConversationRow[];
  return new Map(rows.map((r) => [r.conversation_id, r]));
}

/**
 * Agents with the load they hold right now (offered + assigned), computed rather than counted.
 * Pending intakes need not be written first: they only queue conversations that were resolved or
 * unknown when read, and a queued conversation is nobody's load.
 */
export async function loadAgents(manager: EntityManager, where: { onlineOnly?: boolean; id?: string } = {}): Promise<AgentRow[]> {
  const s = schemaOf(manager);
  const filters: string[] = [];
  const params: unknown[] = [];
  if (where.onlineOnly) filters.push(`a.status = 'online'`);
  if (where.id !== undefined) {
    params.push(where.id);
    filters.push(`a.id = $${params.length}`);
  }
  return manager.query(
    `SELECT a.*, COALESCE(l.load, 0)::int AS load, COALESCE(l.held, 0)::int AS held, COALESCE(l.channel_load, '{}'::jsonb) AS channel_load
       FROM "${s}".agents a
       LEFT JOIN (SELECT agent_id, sum(w) AS load, sum(n) AS held, jsonb_object_agg(channel, w) AS channel_load
                    FROM (SELECT agent_id, channel, sum(weight)::int AS w, count(*)::int AS n FROM "${s}".conversation_assignments
                           WHERE state IN ('offered', 'assigned') GROUP BY agent_id, channel) x GROUP BY agent_id) l ON l.agent_id = a.id
      ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''} ORDER BY a.id`,
    params,
  );
}

export async function loadQueues(manager: EntityManager): Promise<Map<string, QueueRow>> {
  const rows = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".queues`)) as QueueRow[];
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * The queues as the caller's transaction first read them, for their settings (response targets):
 * a consumed batch of N records reads the table once instead of N times. Not for what passes change
 * under the assignment lock (round-robin cursors, handle-time averages): a pass reads its own.
 */
export function queueSettings(manager: EntityManager): Promise<Map<string, QueueRow>> {
  const transaction = currentTransactionHooks();
  if (!transaction) return loadQueues(manager);
  return transaction.local('assignment.queue-settings', () => loadQueues(manager));
}

const slugOf = (channel: number): string => (channel === Channel.UNSPECIFIED ? 'unspecified' : channelSlug(channel as Channel));

export function agentState(row: AgentRow): AgentState {
  const channelLoad: Record<string, number> = {};
  for (const [channel, units] of Object.entries(row.channel_load)) channelLoad[slugOf(Number(channel))] = units;
  return {
    id: row.id,
    status: row.status,
    capacity: row.capacity,
    channelCapacity: row.channel_capacity,
    skills: row.skill_levels,
    languages: row.languages,
    teams: row.teams,
    load: row.load,
    channelLoad,
    lastAssignedAt: row.last_assigned_at ? row.last_assigned_at.getTime() : null,
  };
}

export function queuedConversation(row: QueuedRow): QueuedConversation {
  return {
    id: row.conversation_id,
    queue: row.queue,
    rank: row.rank,
    deadline: row.reply_deadline ? row.reply_deadline.getTime() : null,
    since: row.since.getTime(),
    channel: slugOf(row.channel),
    weight: row.weight,
    requiredSkills: row.required_skills,
    language: row.language,
    excludedAgents: row.excluded_agents,
  };
}

export function policyOf(queues: ReadonlyMap<string, QueueRow>, defaultStrategy: Strategy): (queue: string) => QueuePolicy {
  return (queue) => {
    const row = queues.get(queue);
    return row ? { strategy: row.strategy, teams: row.teams } : { strategy: defaultStrategy, teams: [] };
  };
}

export function customerRefOf(row: Pick<ConversationRow, 'customer_ref'>): CustomerRef | undefined {
  return row.customer_ref ? fromBinary(CustomerRefSchema, row.customer_ref) : undefined;
}

export { slugOf };
