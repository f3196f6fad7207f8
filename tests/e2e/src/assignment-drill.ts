/**
 * The assignment drill: two assignment replicas on the run's real Kafka and PostgreSQL, N agents
 * with skills, languages and capacities, M routed conversations (VIP, escalated, skills, language,
 * heavier SMS) published in a burst, agents resolving as they go through either replica's API. The
 * invariants are checked from the event log (assigned/resolved/queued) and from consistent database
 * snapshots taken while it runs. `npm test` runs it small; `npm run drill:assignment` at 50 × 1,000.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { Channel, ConversationRoutedSchema, create, timestampDate, timestampFromDate, Topics, type Timestamp } from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { startService, type RunningService } from '@omni/service-kit';
import { authHeader, KafkaTap, testEnv } from '@omni/testing';
import { assignment } from '@omni/assignment';
import { startOmni, type Omni } from './harness';

export interface DrillOptions {
  agents: number;
  conversations: number;
  /** Upper bound of the whole drill. */
  timeoutMs: number;
}

interface DrillAgent {
  id: string;
  capacity: number;
  skills: Record<string, number>;
  languages: string[];
}

interface DrillConversation {
  id: string;
  vip: boolean;
  escalated: boolean;
  skills: Array<{ name: string; level: number }>;
  language: string;
  weight: number;
  channel: Channel;
}

export interface DrillReport {
  assigned: number;
  resolved: number;
  maxQueued: number;
  snapshots: number;
  violations: string[];
  elapsedMs: number;
}

const quiet = createLogger({ service: 'assignment-drill', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** Deterministic pseudo-random numbers, so a failing drill can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function eligible(agent: DrillAgent, c: DrillConversation): boolean {
  return c.skills.every((s) => (agent.skills[s.name] ?? 0) >= s.level) && (!c.language || agent.languages.some((l) => l.split('-')[0] === c.language.split('-')[0]));
}

function makeAgents(n: number, random: () => number, run: string): DrillAgent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `drill-${run}-${String(i).padStart(3, '0')}`,
    capacity: 1 + Math.floor(random() * 3),
    // Every fourth agent can take anything, so every conversation has someone.
    skills: (i % 4 === 0 ? { billing: 3, tech: 3 } : random() < 0.5 ? { billing: 1 + Math.floor(random() * 3) } : { tech: 1 + Math.floor(random() * 3) }) as Record<string, number>,
    languages: i % 4 === 0 || random() < 0.3 ? ['en', 'es'] : ['en'],
  }));
}

function makeConversations(m: number, random: () => number): DrillConversation[] {
  return Array.from({ length: m }, () => {
    const r = random();
    const sms = random() < 0.2;
    return {
      id: randomUUID(),
      vip: r < 0.1,
      escalated: r >= 0.1 && r < 0.15,
      skills: random() < 0.3 ? [{ name: random() < 0.5 ? 'billing' : 'tech', level: 1 + Math.floor(random() * 3) }] : [],
      language: random() < 0.2 ? 'es' : '',
      weight: sms ? 2 : 1,
      channel: sms ? Channel.SMS : Channel.WHATSAPP,
    };
  });
}

const ms = (t: Timestamp | undefined) => (t ? timestampDate(t).getTime() : 0);

/**
 * A consistent snapshot (one REPEATABLE READ transaction): every committed state must leave no
 * queued conversation that an online agent with room could take, and no agent over capacity.
 */
async function snapshotViolations(client: Client, agents: Map<string, DrillAgent>, conversations: Map<string, DrillConversation>): Promise<{ violations: string[]; queued: number }> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    const held = (await client.query(`SELECT agent_id, sum(weight)::int AS load FROM assignment.conversation_assignments WHERE state IN ('offered', 'assigned') GROUP BY agent_id`)).rows as Array<{ agent_id: string; load: number }>;
    const online = (await client.query(`SELECT id FROM assignment.agents WHERE status = 'online'`)).rows as Array<{ id: string }>;
    const queued = (await client.query(`SELECT conversation_id FROM assignment.conversation_assignments WHERE state = 'queued'`)).rows as Array<{ conversation_id: string }>;
    const load = new Map(held.map((h) => [h.agent_id, h.load]));
    const violations: string[] = [];
    for (const [id, l] of load) if (agents.has(id) && l > agents.get(id)!.capacity) violations.push(`snapshot: ${id} holds ${l} > ${agents.get(id)!.capacity}`);
    for (const q of queued) {
      const c = conversations.get(q.conversation_id);
      if (!c) continue;
      const free = online.map((o) => agents.get(o.id)).find((a) => a && eligible(a, c) && (load.get(a.id) ?? 0) + c.weight <= a.capacity);
      if (free) violations.push(`snapshot: ${c.id} queued while ${free.id} could take it`);
    }
    return { violations, queued: queued.length };
  } finally {
    await client.query('COMMIT');
  }
}

export async function runAssignmentDrill(options: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const random = rng(options.agents * 7919 + options.conversations);
  const omni: Omni = await startOmni(['assignment'], { KAFKA_TOPIC_PARTITIONS: '6', ASSIGNMENT_SWEEP_MS: '500', ASSIGNMENT_FIRST_RESPONSE_SECONDS: '0', ASSIGNMENT_CHANNEL_WEIGHTS: 'sms=2' });
  let second: RunningService<never> | undefined;
  const env = testEnv();
  const connection = new KafkaConnection({ brokers: env.kafkaBrokers, service: 'router', topicPrefix: omni.prefix, partitions: 6 }, quiet);
  const tap = new KafkaTap(env.kafkaBrokers, omni.prefix, [Topics.conversationAssigned, Topics.conversationResolved, Topics.conversationQueued]);
  const db = new Client({ connectionString: omni.databaseUrl });
  const violations: string[] = [];
  let snapshots = 0;
  let maxQueued = 0;
  try {
    second = (await startService(assignment, { env: omni.env, waitForReadyMs: 90_000 })) as RunningService<never>;
    const replicas = [omni.url('assignment'), second.url];
    await connection.ensureTopics([Topics.conversationRouted, Topics.conversationAssigned, Topics.conversationResolved, Topics.conversationQueued]);
    await tap.start();
    await db.connect();
    const publisher = new EventPublisher(connection);
    const run = randomUUID().slice(0, 4);
    const agents = makeAgents(options.agents, random, run);
    const byAgent = new Map(agents.map((a) => [a.id, a]));
    const admin = await authHeader(['admin']);
    const call = async (url: string, method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const response = await fetch(`${url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    for (const [i, a] of agents.entries()) {
      const skills = Object.entries(a.skills).map(([n, l]) => `${n}:${l}`);
      await call(replicas[i % 2]!, 'PUT', `/agents/${a.id}`, admin, { displayName: a.id, capacity: a.capacity, skills, languages: a.languages });
    }

    const conversations = makeConversations(options.conversations, random);
    const byConversation = new Map(conversations.map((c) => [c.id, c]));
    const tokens = new Map<string, Record<string, string>>();
    for (const a of agents) tokens.set(a.id, await authHeader(['agent'], { sub: a.id, agentId: a.id }));

    // Agents resolve as they go: each assignment is resolved after a short random handle time,
    // through either replica, by the agent holding it.
    const resolving = new Set<string>();
    const pending: Array<Promise<void>> = [];
    let resolvedCount = 0;
    const resolver = setInterval(() => {
      for (const record of tap.all(Topics.conversationAssigned)) {
        const { conversationId, agentId } = record.value;
        if (resolving.has(conversationId) || !byConversation.has(conversationId)) continue;
        resolving.add(conversationId);
        const delay = 20 + Math.floor(random() * 150);
        pending.push(
          new Promise<void>((resolve) => setTimeout(resolve, delay))
            .then(() => call(replicas[Math.floor(random() * 2)]!, 'POST', `/conversations/${conversationId}/resolve`, tokens.get(agentId)!, { resolution: 'drill' }))
            .then(() => void resolvedCount++)
            .catch((err: Error) => void violations.push(`resolve ${conversationId}: ${err.message}`)),
        );
      }
    }, 25);

    // Agents' clients keep their presence alive, as a real agent desktop would.
    const heartbeats = setInterval(() => {
      for (const [i, a] of agents.entries()) void call(replicas[i % 2]!, 'POST', `/agents/${a.id}/heartbeat`, tokens.get(a.id)!).catch(() => undefined);
    }, 10_000);

    const snapshotter = (async () => {
      while (resolvedCount < conversations.length && Date.now() - started < options.timeoutMs) {
        const snap = await snapshotViolations(db, byAgent, byConversation);
        snapshots++;
        maxQueued = Math.max(maxQueued, snap.queued);
        violations.push(...snap.violations);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    // The first half arrives before any agent is online, so a real queue builds and its drain
    // order is tested; agents then come online (on both replicas) while the second half arrives.
    const half = Math.floor(conversations.length / 2);
    const publishRange = async (from: number, to: number) => {
      for (let i = from; i < to; i += 50) await publishBatch(i, Math.min(i + 50, to));
    };
    const publishBatch = (i: number, end: number) =>
      Promise.all(
        conversations.slice(i, end).map((c) => {
          const id = randomUUID();
          return publisher.publish(
            Topics.conversationRouted,
            c.id,
            create(ConversationRoutedSchema, {
              id,
              conversationId: c.id,
              contactId: randomUUID(),
              channel: c.channel,
              queue: 'default',
              priority: c.vip ? 10 : 0,
              escalated: c.escalated,
              requiredSkills: c.skills.map((s) => `${s.name}:${s.level}`),
              language: c.language,
              routedAt: timestampFromDate(new Date()),
              customer: { channelUserId: `drill-${i}` },
            }),
            { id },
          );
        }),
      );
    await publishRange(0, half);
    const firstHalf = new Set(conversations.slice(0, half).map((c) => c.id));
    const queuedSeen = () => new Set(tap.all(Topics.conversationQueued).map((r) => r.value.conversationId).filter((id) => firstHalf.has(id))).size;
    while (queuedSeen() < half && Date.now() - started < options.timeoutMs / 2) await new Promise((r) => setTimeout(r, 100));
    for (const [i, a] of agents.entries()) await call(replicas[i % 2]!, 'PUT', `/agents/${a.id}/presence`, tokens.get(a.id)!, { status: 'online' });
    await publishRange(half, conversations.length);

    while (resolvedCount < conversations.length && Date.now() - started < options.timeoutMs) await new Promise((r) => setTimeout(r, 100));
    clearInterval(resolver);
    clearInterval(heartbeats);
    await Promise.all(pending);
    await snapshotter;
    await new Promise((r) => setTimeout(r, 500));

    // The event log.
    const assigned = tap.all(Topics.conversationAssigned).map((r) => r.value).filter((a) => byConversation.has(a.conversationId));
    const resolved = tap.all(Topics.conversationResolved).map((r) => r.value).filter((a) => byConversation.has(a.conversationId));
    const queued = tap.all(Topics.conversationQueued).map((r) => r.value).filter((q) => byConversation.has(q.conversationId));
    const assignedCount = new Map<string, number>();
    for (const a of assigned) assignedCount.set(a.conversationId, (assignedCount.get(a.conversationId) ?? 0) + 1);
    for (const c of conversations) if (assignedCount.get(c.id) !== 1) violations.push(`log: ${c.id} assigned ${assignedCount.get(c.id) ?? 0} times`);
    if (resolved.length !== conversations.length) violations.push(`log: ${resolved.length} resolved of ${conversations.length}`);

    // Capacity at every instant: replay in time order (a resolve and the drain it made share a
    // transaction and an instant; the resolve frees first).
    const timeline = [
      ...assigned.map((a) => ({ at: ms(a.assignedAt), order: 1, agent: a.agentId, delta: byConversation.get(a.conversationId)!.weight, id: a.conversationId })),
      ...resolved.map((r) => ({ at: ms(r.resolvedAt), order: 0, agent: r.agentId, delta: -byConversation.get(r.conversationId)!.weight, id: r.conversationId })),
    ].sort((x, y) => x.at - y.at || x.order - y.order);
    const load = new Map<string, number>();
    for (const e of timeline) {
      const next = (load.get(e.agent) ?? 0) + e.delta;
      load.set(e.agent, next);
      const agent = byAgent.get(e.agent);
      if (!agent) violations.push(`log: ${e.id} went to unknown agent ${e.agent}`);
      else if (next > agent.capacity) violations.push(`log: ${e.agent} at ${next} > ${agent.capacity} when ${e.id} was assigned`);
      if (agent && e.delta > 0 && !eligible(agent, byConversation.get(e.id)!)) violations.push(`log: ${e.id} went to ${e.agent} without its skills/language`);
    }

    // VIPs first: a non-VIP never went to an agent who could have taken a VIP that was waiting.
    const queuedAt = new Map<string, number>();
    for (const q of queued) if (!queuedAt.has(q.conversationId)) queuedAt.set(q.conversationId, ms(q.queuedAt));
    const assignedAt = new Map(assigned.map((a) => [a.conversationId, ms(a.assignedAt)]));
    const waitingVips = conversations.filter((c) => (c.vip || c.escalated) && queuedAt.has(c.id));
    for (const a of assigned) {
      const c = byConversation.get(a.conversationId)!;
      if (c.vip || c.escalated) continue;
      const t = ms(a.assignedAt);
      const agent = byAgent.get(a.agentId);
      if (!agent) continue;
      const skipped = waitingVips.find((v) => queuedAt.get(v.id)! < t && assignedAt.get(v.id)! > t && eligible(agent, v) && v.weight <= c.weight);
      if (skipped) violations.push(`log: ${c.id} (normal) went to ${agent.id} at ${t} while VIP ${skipped.id} waited for such an agent`);
    }

    return { assigned: assigned.length, resolved: resolved.length, maxQueued, snapshots, violations: [...new Set(violations)].slice(0, 50), elapsedMs: Date.now() - started };
  } finally {
    await db.end().catch(() => undefined);
    await tap.stop().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    await omni.stop();
  }
}
