import fc from 'fast-check';
import {
  choose,
  compareQueued,
  eligible,
  estimatedWaitMs,
  fits,
  materialChange,
  plan,
  positions,
  rankOf,
  STRATEGIES,
  type AgentState,
  type QueuePolicy,
  type QueuedConversation,
  type Strategy,
} from './matching';

const SKILLS = ['billing', 'tech', 'sales'];
const LANGS = ['en', 'es', 'es-MX', 'fr'];
const CHANNELS = ['whatsapp', 'sms', 'messenger'];
const QUEUES = ['default', 'vip', 'billing'];
const TEAMS = ['a', 'b'];

const agentArb = (index: number): fc.Arbitrary<AgentState> =>
  fc
    .record({
      status: fc.constantFrom('online', 'online', 'away', 'offline'),
      capacity: fc.integer({ min: 0, max: 6 }),
      channelCapacity: fc.dictionary(fc.constantFrom(...CHANNELS), fc.integer({ min: 0, max: 4 }), { maxKeys: 2 }),
      skills: fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 1, max: 5 }), { maxKeys: 3 }),
      languages: fc.subarray(LANGS),
      teams: fc.subarray(TEAMS),
      lastAssignedAt: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: null }),
    })
    .map((r) => ({ ...r, id: `agent-${String(index).padStart(2, '0')}`, load: 0, channelLoad: {} }) as AgentState);

const conversationArb = (index: number): fc.Arbitrary<QueuedConversation> =>
  fc
    .record({
      queue: fc.constantFrom(...QUEUES),
      priority: fc.constantFrom(0, 0, 5, 10),
      escalated: fc.boolean(),
      breaches: fc.integer({ min: 0, max: 2 }),
      deadline: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      since: fc.integer({ min: 0, max: 100 }),
      channel: fc.constantFrom(...CHANNELS),
      weight: fc.integer({ min: 1, max: 3 }),
      requiredSkills: fc.subarray(SKILLS, { maxLength: 2 }).chain((names) => fc.tuple(...names.map((name) => fc.integer({ min: 1, max: 5 }).map((level) => ({ name, level }))))),
      language: fc.constantFrom('', '', 'en', 'es', 'es-MX', 'fr'),
      excludedAgents: fc.subarray(['agent-00', 'agent-01', 'agent-02']),
    })
    .map(({ priority, escalated, breaches, ...r }) => ({ ...r, id: `c-${String(index).padStart(4, '0')}`, rank: rankOf(priority, escalated, breaches) }));

const listOf = <T>(make: (i: number) => fc.Arbitrary<T>, max: number) =>
  fc.integer({ min: 0, max }).chain((n) => (n === 0 ? fc.constant([] as T[]) : fc.tuple(...Array.from({ length: n }, (_, i) => make(i)))));

const policiesArb = fc.record(
  Object.fromEntries(QUEUES.map((q) => [q, fc.record({ strategy: fc.constantFrom(...STRATEGIES), teams: fc.subarray(TEAMS, { maxLength: 1 }) })])) as Record<string, fc.Arbitrary<QueuePolicy>>,
);

const mixArb = fc.record({ agents: listOf(agentArb, 12), queued: listOf(conversationArb, 40), policies: policiesArb });

describe('plan (property-based)', () => {
  it('never puts an agent over capacity, overall or per channel', () => {
    fc.assert(
      fc.property(mixArb, ({ agents, queued, policies }) => {
        const result = plan(agents, queued, (q) => policies[q]!);
        const byId = new Map(queued.map((c) => [c.id, c]));
        for (const agent of agents) {
          const mine = result.assignments.filter((a) => a.agentId === agent.id).map((a) => byId.get(a.conversationId)!);
          expect(mine.reduce((s, c) => s + c.weight, 0)).toBeLessThanOrEqual(agent.capacity);
          for (const [channel, cap] of Object.entries(agent.channelCapacity)) {
            expect(mine.filter((c) => c.channel === channel).reduce((s, c) => s + c.weight, 0)).toBeLessThanOrEqual(cap);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('only gives a conversation to an online agent of the queue with its skills and language, once', () => {
    fc.assert(
      fc.property(mixArb, ({ agents, queued, policies }) => {
        const result = plan(agents, queued, (q) => policies[q]!);
        const ids = result.assignments.map((a) => a.conversationId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const a of result.assignments) {
          const agent = agents.find((x) => x.id === a.agentId)!;
          const c = queued.find((x) => x.id === a.conversationId)!;
          expect(agent.status).toBe('online');
          expect(c.excludedAgents).not.toContain(agent.id);
          for (const s of c.requiredSkills) expect(agent.skills[s.name] ?? 0).toBeGreaterThanOrEqual(s.level);
          if (c.language) expect(agent.languages.some((l) => l.split('-')[0] === c.language.split('-')[0])).toBe(true);
          const teams = policies[c.queue]!.teams;
          if (teams.length) expect(agent.teams.some((t) => teams.includes(t))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves nothing queued that some agent could still take (no false "queued")', () => {
    fc.assert(
      fc.property(mixArb, ({ agents, queued, policies }) => {
        const result = plan(agents, queued, (q) => policies[q]!);
        const taken = new Set(result.assignments.map((a) => a.conversationId));
        for (const c of queued.filter((x) => !taken.has(x.id))) {
          expect(result.agents.filter((a) => eligible(a, c, policies[c.queue]!))).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('drains in the one order: assignments follow compareQueued, and with uniform work the first k are served', () => {
    fc.assert(
      fc.property(listOf(conversationArb, 40), fc.integer({ min: 0, max: 30 }), fc.constantFrom(...STRATEGIES), (queuedRaw, slots, strategy: Strategy) => {
        const queued = queuedRaw.map((c) => ({ ...c, weight: 1, requiredSkills: [], language: '', excludedAgents: [], channel: 'sms' }));
        const agents: AgentState[] = [{ id: 'solo', status: 'online', capacity: slots, channelCapacity: {}, skills: {}, languages: [], teams: [], load: 0, channelLoad: {}, lastAssignedAt: null }];
        const result = plan(agents, queued, () => ({ strategy, teams: [] }));
        const expected = [...queued].sort(compareQueued).slice(0, slots).map((c) => c.id);
        expect(result.assignments.map((a) => a.conversationId)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('VIP/escalated before others, then the soonest deadline, then age: the published positions follow the same order', () => {
    fc.assert(
      fc.property(listOf(conversationArb, 40), (queued) => {
        const pos = positions(queued);
        for (const a of queued) {
          for (const b of queued) {
            if (a.queue !== b.queue || a.id === b.id) continue;
            expect(Math.sign(pos.get(a.id)! - pos.get(b.id)!)).toBe(Math.sign(compareQueued(a, b)));
            if (a.rank > b.rank) expect(pos.get(a.id)!).toBeLessThan(pos.get(b.id)!);
            if (a.rank === b.rank && a.deadline !== null && (b.deadline === null || a.deadline < b.deadline)) expect(pos.get(a.id)!).toBeLessThan(pos.get(b.id)!);
          }
        }
        // Positions in each queue are 1..n.
        for (const q of QUEUES) {
          const inQueue = queued.filter((c) => c.queue === q).map((c) => pos.get(c.id)!);
          expect(inQueue.sort((x, y) => x - y)).toEqual(inQueue.map((_, i) => i + 1));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('compareQueued is a total order (antisymmetric, transitive)', () => {
    fc.assert(
      fc.property(conversationArb(1), conversationArb(2), conversationArb(3), (a, b, c) => {
        expect(Math.sign(compareQueued(a, b))).toBe(-Math.sign(compareQueued(b, a)));
        if (compareQueued(a, b) <= 0 && compareQueued(b, c) <= 0) expect(compareQueued(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('strategies', () => {
  const agent = (id: string, load: number, capacity: number, lastAssignedAt: number | null): AgentState => ({
    id,
    status: 'online',
    capacity,
    channelCapacity: {},
    skills: {},
    languages: [],
    teams: [],
    load,
    channelLoad: {},
    lastAssignedAt,
  });

  it('least-busy takes the lowest load ratio, longest-idle the oldest assignment, round-robin the next id', () => {
    const ana = agent('ana', 1, 4, 50);
    const bo = agent('bo', 2, 4, 10);
    const cy = agent('cy', 0, 1, null);
    expect(choose([ana, bo, cy], 'least-busy', null).id).toBe('cy');
    expect(choose([ana, bo], 'least-busy', null).id).toBe('ana');
    expect(choose([ana, bo, cy], 'longest-idle', null).id).toBe('cy');
    expect(choose([ana, bo], 'longest-idle', null).id).toBe('bo');
    expect(choose([bo, ana, cy], 'round-robin', null).id).toBe('ana');
    expect(choose([bo, ana, cy], 'round-robin', 'ana').id).toBe('bo');
    expect(choose([bo, ana, cy], 'round-robin', 'cy').id).toBe('ana');
  });

  it('round-robin spreads a queue over its agents in turn', () => {
    const agents = ['a', 'b', 'c'].map((id) => agent(id, 0, 10, null));
    const queued: QueuedConversation[] = Array.from({ length: 6 }, (_, i) => ({
      id: `c${i}`,
      queue: 'q',
      rank: 0,
      deadline: null,
      since: i,
      channel: 'sms',
      weight: 1,
      requiredSkills: [],
      language: '',
      excludedAgents: [],
    }));
    const result = plan(agents, queued, () => ({ strategy: 'round-robin', teams: [] }));
    expect(result.assignments.map((a) => a.agentId)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(result.cursors.get('q')).toBe('c');
  });

  it('weights: a heavier conversation needs the room, per channel too', () => {
    const a = { ...agent('a', 2, 3, null), channelCapacity: { whatsapp: 1 }, channelLoad: { whatsapp: 1 } };
    expect(fits(a, { channel: 'sms', weight: 1 })).toBe(true);
    expect(fits(a, { channel: 'sms', weight: 2 })).toBe(false);
    expect(fits(a, { channel: 'whatsapp', weight: 1 })).toBe(false);
  });

  it('estimated wait and material change', () => {
    expect(estimatedWaitMs(5, 2, 60_000)).toBe(180_000);
    expect(estimatedWaitMs(1, 0, 60_000)).toBe(0);
    expect(materialChange(null, 3)).toBe(true);
    expect(materialChange(8, 7)).toBe(false);
    expect(materialChange(8, 6)).toBe(true);
    expect(materialChange(2, 1)).toBe(true);
  });
});
