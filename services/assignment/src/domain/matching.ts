/**
 * The pure core of assignment: the one queue order, who may take a conversation, and which agent
 * each strategy picks. The database layer (engine.ts) loads rows under the assignment lock, calls
 * `plan` and writes its result, so what the property tests check is exactly what production runs.
 */

export type Strategy = 'least-busy' | 'longest-idle' | 'round-robin';
export const STRATEGIES: readonly Strategy[] = ['least-busy', 'longest-idle', 'round-robin'];

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface AgentState {
  id: string;
  status: PresenceStatus;
  /** Overall capacity in weight units (a plain conversation weighs 1). */
  capacity: number;
  /** Optional per-channel caps in weight units, by channel slug. */
  channelCapacity: Readonly<Record<string, number>>;
  /** Skill name → level (1–5). */
  skills: Readonly<Record<string, number>>;
  /** BCP 47 tags; "es" covers "es-MX". */
  languages: readonly string[];
  teams: readonly string[];
  /** Weight units held (offered + assigned), overall and per channel slug. */
  load: number;
  channelLoad: Readonly<Record<string, number>>;
  /** Last time they were given a conversation (ms), null when never. */
  lastAssignedAt: number | null;
}

export interface SkillRequirement {
  name: string;
  level: number;
}

export interface QueuedConversation {
  id: string;
  queue: string;
  /** Higher first: priority, raised for VIP/escalation and by SLA breaches (see rankOf). */
  rank: number;
  /** When the reply window closes (ms), null when the channel has none or it is unknown. */
  deadline: number | null;
  /** Age reference (ms): when it was routed. */
  since: number;
  channel: string;
  weight: number;
  requiredSkills: readonly SkillRequirement[];
  language: string;
  /** Agents who declined it or let the offer expire: not offered again until it is requeued. */
  excludedAgents: readonly string[];
}

export interface QueuePolicy {
  strategy: Strategy;
  /** Teams that serve the queue; empty = every agent. */
  teams: readonly string[];
}

/** What a breach or escalation adds to the router's priority; VIP is the router's priority 10. */
export const ESCALATION_BOOST = 1000;
export const SLA_BREACH_BOOST = 100;

export function rankOf(priority: number, escalated: boolean, breaches: number): number {
  return priority + (escalated ? ESCALATION_BOOST : 0) + breaches * SLA_BREACH_BOOST;
}

/**
 * The one queue order, used for the published position and for the drain: highest rank first
 * (VIP and escalated), then the reply window that closes soonest (none = last), then the oldest,
 * then the id so the order is total. The SQL twin is QUEUE_ORDER_SQL in engine.ts.
 */
export function compareQueued(a: QueuedConversation, b: QueuedConversation): number {
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.deadline !== b.deadline) {
    if (a.deadline === null) return 1;
    if (b.deadline === null) return -1;
    return a.deadline - b.deadline;
  }
  if (a.since !== b.since) return a.since - b.since;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** 1-based position of each queued conversation within its own queue, in the one order. */
export function positions(queued: readonly QueuedConversation[]): Map<string, number> {
  const perQueue = new Map<string, number>();
  const result = new Map<string, number>();
  for (const c of [...queued].sort(compareQueued)) {
    const next = (perQueue.get(c.queue) ?? 0) + 1;
    perQueue.set(c.queue, next);
    result.set(c.id, next);
  }
  return result;
}

function speaks(agent: AgentState, language: string): boolean {
  if (!language) return true;
  const wanted = language.toLowerCase();
  const base = wanted.split('-')[0]!;
  return agent.languages.some((l) => {
    const have = l.toLowerCase();
    return have === wanted || have === base || have.split('-')[0] === base;
  });
}

/** Room left for this conversation: overall and on its channel (a channel without a cap has none). */
export function fits(agent: AgentState, conversation: Pick<QueuedConversation, 'channel' | 'weight'>): boolean {
  if (agent.load + conversation.weight > agent.capacity) return false;
  const cap = agent.channelCapacity[conversation.channel];
  return cap === undefined || (agent.channelLoad[conversation.channel] ?? 0) + conversation.weight <= cap;
}

/** Online, under capacity, in a team of the queue, with every required skill at its level, and the language. */
export function eligible(agent: AgentState, conversation: QueuedConversation, policy: QueuePolicy): boolean {
  if (agent.status !== 'online') return false;
  if (conversation.excludedAgents.includes(agent.id)) return false;
  if (policy.teams.length && !agent.teams.some((t) => policy.teams.includes(t))) return false;
  if (!conversation.requiredSkills.every((s) => (agent.skills[s.name] ?? 0) >= s.level)) return false;
  if (!speaks(agent, conversation.language)) return false;
  return fits(agent, conversation);
}

const ratio = (a: AgentState) => a.load / Math.max(a.capacity, 1);
const idleSince = (a: AgentState) => a.lastAssignedAt ?? Number.NEGATIVE_INFINITY;

/**
 * The agent a strategy picks among eligible candidates (non-empty).
 * least-busy: lowest load relative to capacity, then longest idle. longest-idle: the one given
 * work longest ago (never first). round-robin: the next id after the queue's cursor, wrapping.
 */
export function choose(candidates: readonly AgentState[], strategy: Strategy, cursor: string | null): AgentState {
  const byId = (a: AgentState, b: AgentState) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...candidates];
  if (strategy === 'least-busy') sorted.sort((a, b) => ratio(a) - ratio(b) || idleSince(a) - idleSince(b) || byId(a, b));
  else if (strategy === 'longest-idle') sorted.sort((a, b) => idleSince(a) - idleSince(b) || ratio(a) - ratio(b) || byId(a, b));
  else {
    sorted.sort(byId);
    return sorted.find((a) => cursor === null || a.id > cursor) ?? sorted[0]!;
  }
  return sorted[0]!;
}

export interface PlannedAssignment {
  conversationId: string;
  agentId: string;
  strategy: Strategy;
}

export interface Plan {
  assignments: PlannedAssignment[];
  /** Round-robin cursor per queue after the plan. */
  cursors: Map<string, string>;
  /** Agents after the plan (loads include the planned assignments). */
  agents: AgentState[];
}

/**
 * Hands queued conversations, in the one order, to eligible agents. A conversation nobody can take
 * (skills, language) does not hold back the ones behind it. Pure: inputs are not modified.
 */
export function plan(
  agentsIn: readonly AgentState[],
  queued: readonly QueuedConversation[],
  policyOf: (queue: string) => QueuePolicy,
  cursorsIn: ReadonlyMap<string, string> = new Map(),
  now = 0,
): Plan {
  const agents = agentsIn.map((a) => ({ ...a, channelLoad: { ...a.channelLoad } as Record<string, number> }));
  const cursors = new Map(cursorsIn);
  const assignments: PlannedAssignment[] = [];
  for (const conversation of [...queued].sort(compareQueued)) {
    const policy = policyOf(conversation.queue);
    const candidates = agents.filter((a) => eligible(a, conversation, policy));
    if (!candidates.length) continue;
    const chosen = choose(candidates, policy.strategy, cursors.get(conversation.queue) ?? null);
    const agent = agents.find((a) => a.id === chosen.id)!;
    agent.load += conversation.weight;
    agent.channelLoad[conversation.channel] = (agent.channelLoad[conversation.channel] ?? 0) + conversation.weight;
    agent.lastAssignedAt = now;
    cursors.set(conversation.queue, agent.id);
    assignments.push({ conversationId: conversation.id, agentId: agent.id, strategy: policy.strategy });
  }
  return { assignments, cursors, agents };
}

/**
 * Estimated wait for a queued conversation: the conversations ahead of it are served by the slots
 * of the agents who can take the queue, each slot freeing after the queue's average handle time;
 * 0 when no online agent serves the queue (unknown).
 */
export function estimatedWaitMs(position: number, servingSlots: number, averageHandleMs: number): number {
  // Nobody online can serve the queue: the wait is unknown, said as 0 rather than a made-up number.
  if (servingSlots <= 0) return 0;
  return Math.ceil(position / servingSlots) * Math.max(averageHandleMs, 0);
}

/** Whether a position change is worth telling the customer about (bounds queued events). */
export function materialChange(published: number | null, current: number): boolean {
  if (published === null) return true;
  return Math.abs(published - current) >= Math.max(1, Math.ceil(published * 0.25));
}
