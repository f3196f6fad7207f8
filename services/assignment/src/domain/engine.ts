import type { EntityManager } from 'typeorm';
import { Reasons } from '@omni/contracts';
import { currentTransactionHooks, type CompanionWrite, type OutboxWriter, type TransactionHooks } from '@omni/persistence';
import type { AssignmentSettings } from '../settings';
import { notify, OfferStatus, publishAssigned, publishOffer, publishQueued, type Reason } from './events';
import { writePendingIntakes } from './intakes';
import { eligible, estimatedWaitMs, materialChange, plan, positions } from './matching';
import { agentState, loadAgents, loadConversations, loadQueued, loadQueues, policyOf, QUEUE_ORDER_SQL, QUEUED_COLUMNS, queuedConversation, schemaOf, type ConversationRow, type QueuedRow, type QueueRow } from './store';
import { observations } from './observations';

/** What every engine step needs: the settings and the instant it acts at (injectable clock). */
export interface EngineContext {
  settings: AssignmentSettings;
  now: Date;
}

/**
 * Serialises every matching pass and every change to who holds what, across all replicas and
 * partitions: a transaction-level advisory lock kept until the commit. Commands that take or move
 * work take it first; intake and resolves, which only add waiting work or free room, take it just
 * before they commit, for their pass (passBeforeCommit). Loads are computed from committed rows, so
 * no agent goes over capacity and no conversation is handed out twice; nothing is skipped because
 * a row is locked, so a conversation is never queued while capacity exists (docs/assignment.md).
 *
 * Taken once per transaction: the lock lasts until the commit, so asking again (a command, then
 * its pass) would only be another round trip while holding it.
 */
export async function lockAssignments(manager: EntityManager): Promise<void> {
  await takeLock(manager, (key) => manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]));
}

/**
 * lockAssignments, then the queue as loadQueued reads it, in one round trip: the round trip between
 * being granted the lock and the pass's first read is one every other transaction waits for. A
 * PL/pgSQL function takes the lock, then reads with a snapshot of its own taken after the wait
 * (VOLATILE, READ COMMITTED: migration 1732300000460), so the read sees every pass that committed
 * meanwhile; one plain statement would read with a snapshot older than the lock.
 */
export async function lockAndLoadQueued(manager: EntityManager, limit: number): Promise<QueuedRow[]> {
  let rows: QueuedRow[] | undefined;
  await takeLock(manager, async (key) => {
    rows = await manager.query(`SELECT ${QUEUED_COLUMNS} FROM "${schemaOf(manager)}".lock_then_queued($1, $2) ORDER BY ${QUEUE_ORDER_SQL}`, [key, limit]);
  });
  return rows ?? loadQueued(manager, limit); // held already: the queue alone
}

/** Takes the lock exclusive with `request` unless the transaction holds it already. */
async function takeLock(manager: EntityManager, request: (key: string) => Promise<unknown>): Promise<void> {
  const lock = heldLock();
  if (lock?.mode === 'exclusive') return;
  // Asking for exclusive while holding it shared waits for the other shared holders, who may be
  // asking the same: a deadlock. Only a transaction that frees room takes it shared, and last.
  if (lock?.mode === 'shared') throw new Error('the assignment lock is held shared by this transaction and cannot be upgraded');
  // The conversations the transaction queued so far need no lock (intake writes only their own
  // rows): written now, they are not written while every other transaction waits for the lock.
  await writePendingIntakes(manager);
  const started = performance.now();
  await request(lockKey(manager));
  observations().lockWaited((performance.now() - started) / 1000);
  if (lock) lock.mode = 'exclusive';
}

const lockKey = (manager: EntityManager): string => `${schemaOf(manager)}.assignment`;

type LockMode = 'none' | 'shared' | 'exclusive';

/** How the current unit of work holds the assignment lock (undefined outside one). */
function heldLock(): { mode: LockMode } | undefined {
  return currentTransactionHooks()?.local('assignment.lock', (): { mode: LockMode } => ({ mode: 'none' }));
}

/** Thrown when a conversation was queued while a resolve checked: its transaction reruns (40001). */
export class QueueChangedWhileResolving extends Error {
  readonly code = '40001';
  constructor() {
    super('a conversation was queued while room was being freed; rerunning with the assignment lock');
  }
}

/**
 * For a transaction that only freed room (a resolve): true when nobody waits, with the lock then
 * held shared until the commit, so the transaction needs no pass. False when someone waits or the
 * transaction holds the lock already: it runs the pass, exclusive.
 *
 * Why shared is enough: a pass holds the lock exclusive until its commit. A conversation queued
 * and committed before the check below is seen by it. One whose transaction commits later runs its
 * own pass, which waits for this transaction to commit (shared holders block it) and then reads the
 * room it freed. Resolves then wait only for passes, not for each other: they were most of the
 * lock's requests (docs/assignment.md, "Locking").
 */
async function nobodyWaitsUnderSharedLock(manager: EntityManager, outbox: OutboxWriter): Promise<boolean> {
  const lock = heldLock();
  if (!lock || lock.mode !== 'none') return false;
  const started = performance.now();
  // One round trip: look at the queue, take the lock shared only if it is empty, and look again
  // under the lock with a fresh snapshot (the function of migration 1732300000450). It rides in
  // the statement that writes the transaction's outbox rows and notifications: they need no lock,
  // and the commit that follows is then the only round trip made while holding it.
  const taken = await outbox.flushAlong<boolean | null>(manager, (bind) => `"${schemaOf(manager)}".share_lock_if_nobody_waits(${bind(lockKey(manager))})`);
  if (taken === false) return false;
  observations().lockWaited((performance.now() - started) / 1000);
  lock.mode = 'shared';
  // Queued by a transaction that committed while this one waited for the lock, and found no room
  // then: only a pass can hand it this room, and the lock cannot go from shared to exclusive.
  if (taken === null) throw new QueueChangedWhileResolving();
  return true;
}

/**
 * Takes the assignment lock at the end of a transaction (in a before-commit hook) for its pass,
 * reading the queue with it (lockAndLoadQueued), after writing the outbox rows collected so far and
 * the conversations queued so far: they need no lock, and every round trip made while holding it is
 * one every other transaction waits for.
 */
export async function lockForPass(manager: EntityManager, outbox: OutboxWriter, limit: number): Promise<QueuedRow[]> {
  await outbox.flush(manager);
  return lockAndLoadQueued(manager, limit);
}

const reasonOf = (rule: string, detail: string): Reason => ({ rule, detail });

/** What one pass did to a conversation it matched. */
export type Matched = 'assigned' | 'offered';

/** The pass a transaction runs just before it commits, and (once it ran) what it matched. */
export class ScheduledPass {
  readonly matched = new Map<string, Matched>();

  constructor(
    /** Every caller only freed room (resolves): the pass is skipped when nobody waits. */
    public onlyFreesRoom: boolean,
  ) {}

  /** After the commit: what became of a conversation the transaction queued. */
  outcomeOf(conversationId: string): Matched | 'queued' {
    return this.matched.get(conversationId) ?? 'queued';
  }
}

/**
 * Schedules one matching pass for the end of the transaction, under the assignment lock. A
 * consumed batch that queues N conversations then matches them all in one pass instead of N, and
 * holds the global lock only for that pass and the commit, not for the whole batch: intake only
 * writes rows of its own conversations, so it needs no lock (see docs/assignment.md, "Locking").
 *
 * `onlyFreesRoom`: the caller only made room (a resolve). While every caller says so, the pass runs
 * only when someone waits; otherwise the lock is held shared (nobodyWaitsUnderSharedLock).
 */
export function passBeforeCommit(manager: EntityManager, outbox: OutboxWriter, hooks: TransactionHooks, settings: AssignmentSettings, now: () => Date, options: { onlyFreesRoom?: boolean } = {}): ScheduledPass {
  const onlyFreesRoom = options.onlyFreesRoom === true;
  const scheduled = hooks.local('assignment.pass', () => {
    const created = new ScheduledPass(onlyFreesRoom);
    hooks.beforeCommit('assignment.pass', async () => {
      // The conversations the transaction queued are written first, in one statement: the pass
      // reads the queue, and so does the shared lock's look at it. Written here rather than by
      // relying on their buffer's own before-commit hook running first: hooks run in the order
      // they were first registered, and a pass scheduled before the first intake of the
      // transaction (a resolve, then a routing) would otherwise run without them. And before the
      // lock: they need no lock, so they are not written while others wait for it.
      await writePendingIntakes(manager);
      // Shared, the lock is taken in the statement that writes the outbox rows so far.
      if (created.onlyFreesRoom && (await nobodyWaitsUnderSharedLock(manager, outbox))) return;
      const queued = await lockForPass(manager, outbox, settings.passLimit);
      for (const m of await match(manager, outbox, { settings, now: now() }, queued)) created.matched.set(m.conversationId, m.kind);
    });
    return created;
  });
  if (!onlyFreesRoom) scheduled.onlyFreesRoom = false;
  return scheduled;
}

/**
 * One matching pass: queued conversations, in the one order, to eligible agents (an offer when the
 * queue has an offer timeout, else a direct assignment); then the positions of those still waiting
 * are republished where they changed materially. Call with the assignment lock held. Returns how
 * many conversations it matched.
 */
export async function pass(manager: EntityManager, outbox: OutboxWriter, ctx: EngineContext): Promise<number> {
  return (await match(manager, outbox, ctx)).length;
}

async function match(
  manager: EntityManager,
  outbox: OutboxWriter,
  ctx: EngineContext,
  /** The queue, when the caller read it with the lock (lockAndLoadQueued). */
  queued?: QueuedRow[],
): Promise<Array<{ conversationId: string; kind: Matched }>> {
  const s = schemaOf(manager);
  const { now, settings } = ctx;
  // One connection per transaction: queries go one after the other. The queue first: most passes
  // (every resolve, presence change and sweep) find it empty, and then nothing else is needed.
  const rows = queued ?? (await loadQueued(manager, settings.passLimit));
  if (!rows.length) return [];
  const agentRows = await loadAgents(manager, { onlineOnly: true });
  const queues = await loadQueues(manager);
  const policy = policyOf(queues, settings.defaultStrategy);
  const cursors = new Map<string, string>();
  for (const q of queues.values()) if (q.rr_cursor) cursors.set(q.name, q.rr_cursor);
  const agents = agentRows.map(agentState);
  // Agents without room cannot be eligible: leaving them out keeps a pass over a long queue cheap.
  const withRoom = agents.filter((a) => a.load < a.capacity);
  const result = withRoom.length ? plan(withRoom, rows.map(queuedConversation), policy, cursors, now.getTime()) : { assignments: [], cursors };
  // The waiting whose position moved materially are republished: their full rows (for the event)
  // come with the matched ones', in one read.
  const taken = new Set(result.assignments.map((a) => a.conversationId));
  const waiting = rows.filter((r) => !taken.has(r.conversation_id));
  const pos = positions(waiting.map(queuedConversation));
  const moved = waiting.filter((row) => materialChange(row.published_position, pos.get(row.conversation_id)!));
  const full = await loadConversations(manager, [...taken, ...moved.map((r) => r.conversation_id)]);
  const agentById = new Map(agentRows.map((a) => [a.id, a]));
  const matched: Array<{ conversationId: string; kind: Matched }> = [];
  const assignments: Assignment[] = [];
  const offers: Offer[] = [];
  for (const planned of result.assignments) {
    const row = full.get(planned.conversationId)!;
    const agent = agentById.get(planned.agentId)!;
    const offerTimeout = queues.get(row.queue)?.offer_timeout_ms ?? 0;
    // Why it came here (the router's reasons), why it waited or moved, then how the agent was picked.
    const why: Reason[] = [...row.routing_reasons];
    if (row.queue_reason) why.push(reasonOf(row.queue_reason, 'requeued'));
    if (row.published_position !== null) why.push(reasonOf(Reasons.queueDrain.rule, `waited at position ${row.published_position}; served in queue order`));
    const strategyRule = planned.strategy === 'least-busy' ? Reasons.leastLoaded.rule : `strategy:${planned.strategy}`;
    why.push(reasonOf(strategyRule, `queue ${row.queue}: ${planned.strategy} among online agents under capacity with the skills and language`));
    if (offerTimeout > 0) offers.push({ row, agent: { id: agent.id }, timeoutMs: offerTimeout, reasons: why });
    else assignments.push({ row, agent: { id: agent.id, displayName: agent.display_name }, reasons: why });
    matched.push({ conversationId: row.conversation_id, kind: offerTimeout > 0 ? 'offered' : 'assigned' });
  }
  // The pass's writes go in the statement that writes its outbox rows and notices: one round trip
  // for the whole pass instead of one per table, which shortens the time it holds the assignment
  // lock. Each touches rows no other one does (matched, waiting, agents, queues).
  const writes: CompanionWrite[] = [...assignAll(manager, outbox, assignments, now), ...offerAll(manager, outbox, offers, now)];
  const touched = [...assignments, ...offers].map((m) => m.agent.id);
  if (touched.length) writes.push(touchAgents(s, touched, now));
  const turned = [...result.cursors].filter(([queue, cursor]) => cursors.get(queue) !== cursor);
  if (turned.length) writes.push(moveCursors(s, turned, policy));
  const positioned = republishPositions(manager, outbox, moved.map((r) => full.get(r.conversation_id)!), pos, agents, queues, ctx);
  if (positioned) writes.push(positioned);
  await outbox.flushWith(manager, writes);
  return matched;
}

/** Round-robin cursors that moved, in one upsert (each queue once). */
function moveCursors(s: string, moved: ReadonlyArray<[string, string]>, policy: (queue: string) => { strategy: string }): CompanionWrite {
  return (bind) =>
    `INSERT INTO "${s}".queues (name, strategy, rr_cursor) SELECT * FROM unnest(${bind(moved.map(([q]) => q))}::text[], ${bind(moved.map(([q]) => policy(q).strategy))}::text[], ${bind(moved.map(([, c]) => c))}::text[])
     ON CONFLICT (name) DO UPDATE SET rr_cursor = EXCLUDED.rr_cursor`;
}

/** Publishes the new positions of waiting conversations whose position moved materially; returns their write, if any. */
function republishPositions(
  manager: EntityManager,
  outbox: OutboxWriter,
  moved: ConversationRow[],
  pos: ReadonlyMap<string, number>,
  agents: ReturnType<typeof agentState>[],
  queues: Map<string, QueueRow>,
  ctx: EngineContext,
): CompanionWrite | undefined {
  if (!moved.length) return undefined;
  const policy = policyOf(queues, ctx.settings.defaultStrategy);
  const slots = new Map<string, number>();
  const ids: string[] = [];
  const values: number[] = [];
  for (const row of moved) {
    const position = pos.get(row.conversation_id)!;
    if (!slots.has(row.queue)) {
      // Slots of the online agents who could serve the queue at all (capacity ignoring current load).
      const probe = { ...queuedConversation(row), excludedAgents: [], requiredSkills: [], language: '' };
      slots.set(row.queue, agents.filter((a) => eligible({ ...a, load: 0, channelLoad: {} }, probe, policy(row.queue))).reduce((n, a) => n + a.capacity, 0));
    }
    const handleMs = queues.get(row.queue)?.avg_handle_ms ?? ctx.settings.defaultHandleMs;
    const reasons = [reasonOf(row.queue_reason || Reasons.noAgentAvailable.rule, 'no eligible agent is online with room')];
    publishQueued(outbox, row, position, estimatedWaitMs(position, slots.get(row.queue)!, handleMs), reasons, ctx.now);
    ids.push(row.conversation_id);
    values.push(position);
  }
  if (!ids.length) return undefined;
  const s = schemaOf(manager);
  return (bind) => `UPDATE "${s}".conversation_assignments c SET published_position = v.p FROM unnest(${bind(ids)}::uuid[], ${bind(values)}::int[]) AS v(id, p) WHERE c.conversation_id = v.id`;
}

/** A conversation handed to an agent: why, and who had it before (a transfer), if anyone. */
interface Assignment {
  row: ConversationRow;
  agent: { id: string; displayName: string };
  reasons: Reason[];
  previousAgentId?: string;
}

/** Hands one conversation to an agent (a transfer, an accepted offer): written now, with the outbox so far. */
export async function assign(manager: EntityManager, outbox: OutboxWriter, row: ConversationRow, agent: { id: string; displayName: string }, now: Date, reasons: Reason[], previousAgentId = ''): Promise<void> {
  const writes = assignAll(manager, outbox, [{ row, agent, reasons, previousAgentId }], now);
  await outbox.flushWith(manager, [...writes, touchAgents(schemaOf(manager), [agent.id], now)]);
}

/**
 * Publishes and notifies each assignment; returns the write of their rows (one statement whatever
 * their number), for the caller to run with its others. The agents' last-assigned time is the
 * caller's to write (touchAgents), once for all it matched.
 */
function assignAll(manager: EntityManager, outbox: OutboxWriter, assignments: readonly Assignment[], now: Date): CompanionWrite[] {
  if (!assignments.length) return [];
  const s = schemaOf(manager);
  for (const { row, agent, reasons, previousAgentId = '' } of assignments) {
    publishAssigned(outbox, row, agent, reasons, now, previousAgentId);
    observations().assigned(row.queue, Math.max(0, now.getTime() - row.since.getTime()) / 1000);
    notify(manager, outbox, { agentId: agent.id, kind: 'assigned', conversationId: row.conversation_id, data: { queue: row.queue, channel: row.channel, reasons } });
  }
  return [
    (bind) =>
      `UPDATE "${s}".conversation_assignments c SET state = 'assigned', agent_id = v.agent_id, assigned_at = ${bind(now)}, offered_at = NULL, offer_expires_at = NULL,
         previous_agent_id = NULLIF(v.previous_agent_id, ''), queue_reason = '', published_position = NULL
       FROM unnest(${bind(assignments.map((a) => a.row.conversation_id))}::uuid[], ${bind(assignments.map((a) => a.agent.id))}::text[], ${bind(assignments.map((a) => a.previousAgentId ?? ''))}::text[])
         AS v(conversation_id, agent_id, previous_agent_id) WHERE c.conversation_id = v.conversation_id`,
  ];
}

/** A conversation offered to an agent, who has `timeoutMs` to accept it. */
interface Offer {
  row: ConversationRow;
  agent: { id: string };
  timeoutMs: number;
  reasons: Reason[];
}

/** Publishes and notifies each offer; returns the write of their rows (as assignAll). */
function offerAll(manager: EntityManager, outbox: OutboxWriter, offers: readonly Offer[], now: Date): CompanionWrite[] {
  if (!offers.length) return [];
  const s = schemaOf(manager);
  const expiries = offers.map((o) => new Date(now.getTime() + o.timeoutMs));
  for (const [i, { row, agent, reasons }] of offers.entries()) {
    const expiresAt = expiries[i]!;
    publishOffer(outbox, row, agent.id, OfferStatus.OFFERED, reasons, now, expiresAt);
    notify(manager, outbox, { agentId: agent.id, kind: 'offer', conversationId: row.conversation_id, data: { queue: row.queue, channel: row.channel, expiresAt: expiresAt.toISOString(), reasons } });
  }
  return [
    (bind) =>
      `UPDATE "${s}".conversation_assignments c SET state = 'offered', agent_id = v.agent_id, offered_at = ${bind(now)}, offer_expires_at = v.expires_at, published_position = NULL
       FROM unnest(${bind(offers.map((o) => o.row.conversation_id))}::uuid[], ${bind(offers.map((o) => o.agent.id))}::text[], ${bind(expiries)}::timestamptz[])
         AS v(conversation_id, agent_id, expires_at) WHERE c.conversation_id = v.conversation_id`,
  ];
}

/** When each agent was last given work (round-robin and least-recently-assigned strategies read it). */
function touchAgents(s: string, agentIds: readonly string[], now: Date): CompanionWrite {
  return (bind) => `UPDATE "${s}".agents SET last_assigned_at = ${bind(now)} WHERE id = ANY(${bind([...new Set(agentIds)])}::text[])`;
}

/**
 * Puts a conversation back in a queue (optionally another one), remembering why; `exclude` keeps
 * the agent who declined or let the offer expire from being offered it again.
 */
export async function requeue(manager: EntityManager, row: ConversationRow, reason: string, options: { exclude?: string; queue?: string } = {}): Promise<void> {
  await manager.query(
    `UPDATE "${schemaOf(manager)}".conversation_assignments SET state = 'queued', agent_id = NULL, offered_at = NULL, offer_expires_at = NULL,
       queue = COALESCE($2, queue), queue_reason = $3, published_position = NULL,
       excluded_agents = CASE WHEN $4::text IS NULL THEN excluded_agents ELSE array_append(excluded_agents, $4::text) END
     WHERE conversation_id = $1`,
    [row.conversation_id, options.queue ?? null, reason, options.exclude ?? null],
  );
}

/** The offer's agent takes the conversation. */
export async function acceptOffer(manager: EntityManager, outbox: OutboxWriter, row: ConversationRow, agent: { id: string; displayName: string }, now: Date): Promise<void> {
  publishOffer(outbox, row, agent.id, OfferStatus.ACCEPTED, [reasonOf(Reasons.offerAccepted.rule, 'accepted by the agent')], now, null);
  await assign(manager, outbox, row, agent, now, [reasonOf(Reasons.offerAccepted.rule, 'accepted the offer')]);
}

/** Declined, expired or withdrawn: published, and the conversation goes to the next agent. */
export async function endOffer(manager: EntityManager, outbox: OutboxWriter, row: ConversationRow, status: OfferStatus, now: Date): Promise<void> {
  const rule = status === OfferStatus.DECLINED ? Reasons.offerDeclined.rule : status === OfferStatus.EXPIRED ? Reasons.offerExpired.rule : Reasons.offerWithdrawn.rule;
  publishOffer(outbox, row, row.agent_id!, status, [reasonOf(rule, 'the conversation goes to the next agent')], now, null);
  notify(manager, outbox, { agentId: row.agent_id!, kind: 'offer-ended', conversationId: row.conversation_id, data: { status: OfferStatus[status].toLowerCase() } });
  // A withdrawn offer (agent offline) is not the agent's choice: they may get it again later.
  await requeue(manager, row, rule, status === OfferStatus.WITHDRAWN ? {} : { exclude: row.agent_id! });
}
