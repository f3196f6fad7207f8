import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AgentPresenceSchema, AgentStatus, create, timestampFromDate, Topics } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { endOffer, pass, type EngineContext } from './engine';
import { OfferStatus } from './events';
import { schemaOf, type AgentRow, type ConversationRow } from './store';

const STATUS: Record<string, AgentStatus> = { online: AgentStatus.ONLINE, away: AgentStatus.AWAY, offline: AgentStatus.OFFLINE };

/** Change a presence with its effects: offers withdrawn when not online, heartbeat and grace clocks, a pass. */
export async function setPresence(manager: EntityManager, outbox: OutboxWriter, agent: AgentRow, status: AgentRow['status'], ctx: EngineContext, reason = ''): Promise<void> {
  const s = schemaOf(manager);
  const { now } = ctx;
  await manager.query(
    `UPDATE "${s}".agents SET status = $2, updated_at = $3,
       last_heartbeat_at = CASE WHEN $2 = 'online' THEN $3 ELSE last_heartbeat_at END,
       offline_since = CASE WHEN $2 = 'offline' THEN COALESCE(offline_since, $3) ELSE NULL END WHERE id = $1`,
    [agent.id, status, now],
  );
  announce(outbox, { ...agent, status, updated_at: now }, reason);
  if (status !== 'online') {
    const offers = (await manager.query(`SELECT * FROM "${s}".conversation_assignments WHERE agent_id = $1 AND state = 'offered'`, [agent.id])) as ConversationRow[];
    for (const row of offers) await endOffer(manager, outbox, row, OfferStatus.WITHDRAWN, now);
  }
  await pass(manager, outbox, ctx);
}

export function announce(outbox: OutboxWriter, agent: AgentRow, reason = ''): void {
  const eventId = randomUUID();
  outbox.add(
    Topics.agentPresence,
    agent.id,
    create(AgentPresenceSchema, {
      id: eventId,
      agentId: agent.id,
      status: STATUS[agent.status],
      capacity: agent.capacity,
      skills: Object.keys(agent.skill_levels),
      languages: agent.languages,
      occurredAt: timestampFromDate(agent.updated_at),
      displayName: agent.display_name,
      reason,
    }),
    { id: eventId },
  );
}

