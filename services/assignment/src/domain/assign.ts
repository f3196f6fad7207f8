import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ConversationAssignedSchema, ConversationQueuedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { AgentEntity, ConversationAssignmentEntity } from './entities';

/**
 * Picks the agent for a conversation: online, under capacity, least loaded relative to capacity,
 * then the one who waited longest since their last assignment. The row is locked so two
 * concurrent assignments cannot both take an agent's last slot.
 */
export async function pickAgent(manager: EntityManager): Promise<AgentEntity | null> {
  const schema = (manager.connection.options as { schema: string }).schema;
  const candidates = `SELECT * FROM "${schema}".agents
      WHERE status = 'online' AND active_count < capacity
      ORDER BY active_count::float / GREATEST(capacity, 1), last_assigned_at NULLS FIRST, id
      LIMIT 1`;
  // First an agent nobody else is assigning to right now (spreads concurrent batches over agents);
  // if every free agent is locked by another transaction, wait for one rather than queueing a
  // conversation while an agent has room.
  let rows: AgentRow[] = await manager.query(`${candidates} FOR UPDATE SKIP LOCKED`);
  if (!rows.length) rows = await manager.query(`${candidates} FOR UPDATE`);
  return rows[0] ? agentFromRow(rows[0]) : null;
}

interface AgentRow {
  id: string;
  display_name: string;
  status: AgentEntity['status'];
  capacity: number;
  active_count: number;
  skills: string[];
  languages: string[];
  last_assigned_at: Date | null;
  updated_at: Date;
}

/** The picked row as an entity, without a second round trip to hydrate it. */
function agentFromRow(row: AgentRow): AgentEntity {
  return Object.assign(new AgentEntity(), {
    id: row.id,
    displayName: row.display_name,
    status: row.status,
    capacity: row.capacity,
    activeCount: row.active_count,
    skills: row.skills,
    languages: row.languages,
    lastAssignedAt: row.last_assigned_at,
    updatedAt: row.updated_at,
  });
}

export async function assignTo(
  manager: EntityManager,
  outbox: OutboxWriter,
  row: ConversationAssignmentEntity,
  agent: AgentEntity,
  now: Date,
  reasons: Array<{ rule: string; detail: string }>,
): Promise<void> {
  await manager.update(AgentEntity, { id: agent.id }, { activeCount: agent.activeCount + 1, lastAssignedAt: now });
  await manager.update(ConversationAssignmentEntity, { conversationId: row.conversationId }, { state: 'assigned', agentId: agent.id, assignedAt: now });
  const id = randomUUID();
  outbox.add(
    Topics.conversationAssigned,
    row.conversationId,
    create(ConversationAssignedSchema, {
      id,
      conversationId: row.conversationId,
      agentId: agent.id,
      agentDisplayName: agent.displayName,
      queue: row.queue,
      reasons,
      assignedAt: timestampFromDate(now),
      waitMs: BigInt(Math.max(0, now.getTime() - row.routedAt.getTime())),
      channel: row.channel,
      contactId: row.contactId,
      priority: row.priority,
    }),
    { id },
  );
}

export async function enqueue(manager: EntityManager, outbox: OutboxWriter, row: ConversationAssignmentEntity, now: Date): Promise<void> {
  const schema = (manager.connection.options as { schema: string }).schema;
  const [{ position }] = await manager.query(
    `SELECT count(*)::int AS position FROM "${schema}".conversation_assignments
      WHERE state = 'queued' AND queue = $1 AND (priority > $2 OR (priority = $2 AND routed_at <= $3))`,
    [row.queue, row.priority, row.routedAt],
  );
  const id = randomUUID();
  outbox.add(
    Topics.conversationQueued,
    row.conversationId,
    create(ConversationQueuedSchema, {
      id,
      conversationId: row.conversationId,
      queue: row.queue,
      position,
      reasons: [{ rule: 'no-agent-available', detail: 'no online agent under capacity' }],
      queuedAt: timestampFromDate(now),
      priority: row.priority,
      channel: row.channel,
      contactId: row.contactId,
    }),
    { id },
  );
}

/** Hands queued conversations to an agent who just gained room (came online, capacity raised). */
export async function drainQueueFor(manager: EntityManager, outbox: OutboxWriter, agentId: string, now: Date): Promise<number> {
  const schema = (manager.connection.options as { schema: string }).schema;
  let assigned = 0;
  for (;;) {
    const agent = await manager.findOne(AgentEntity, { where: { id: agentId }, lock: { mode: 'pessimistic_write' } });
    if (!agent || agent.status !== 'online' || agent.activeCount >= agent.capacity) return assigned;
    const rows: Array<{ conversation_id: string }> = await manager.query(
      `SELECT conversation_id FROM "${schema}".conversation_assignments WHERE state = 'queued'
        ORDER BY priority DESC, reply_deadline NULLS LAST, routed_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    if (!rows[0]) return assigned;
    const row = await manager.findOneByOrFail(ConversationAssignmentEntity, { conversationId: rows[0].conversation_id });
    await assignTo(manager, outbox, row, agent, now, [{ rule: 'queue-drain', detail: 'agent gained capacity; longest-waiting, most urgent first' }]);
    assigned++;
  }
}
