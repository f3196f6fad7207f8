import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { Reasons } from '@omni/contracts';
import { UnitOfWork, type OutboxWriter, type TransactionHooks } from '@omni/persistence';
import { CLOCK, CurrentPrincipal, hasRole, ProblemException, Roles, type Clock, type Principal } from '@omni/service-kit';
import { acceptOffer, assign, endOffer, lockAssignments, pass, requeue, type EngineContext } from '../domain/engine';
import { notify, OfferStatus } from '../domain/events';
import { fits } from '../domain/matching';
import { requestOutbound } from '../domain/outbound';
import { resolveConversation } from '../domain/resolve';
import { sendSurvey } from '../domain/csat';
import { agentState, findConversation, loadAgents, queuedConversation, schemaOf, type ConversationRow } from '../domain/store';
import { SETTINGS, type AssignmentSettings } from '../settings';
import { ConversationDetailView, ConversationView, NoteDto, NoteView, ReplyDto, ReplyView, ResolutionView, ResolveConversationDto, TransferDto } from './conversations.dto';
import { isUuid } from '@omni/messaging';

const LIST_LIMIT = 200;
const HISTORY_TIMEOUT_MS = 3_000;

/** Resolved or parked: nothing more to resolve. */
const closed = (row: ConversationRow): boolean => row.state === 'resolved' || row.state === 'parked';

function conversationId(id: string): string {
  if (!isUuid(id)) throw new ProblemException(400, 'Invalid request', 'conversation id must be a UUID', [{ field: 'id', message: 'must be a UUID' }]);
  return id.toLowerCase();
}

export function conversationView(row: ConversationRow): ConversationView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    conversationId: row.conversation_id,
    state: row.state,
    agentId: row.agent_id,
    queue: row.queue,
    priority: row.rank,
    escalated: row.escalated,
    channel: row.channel,
    contactId: row.contact_id,
    handoffContext: row.handoff_context,
    offerExpiresAt: iso(row.offer_expires_at),
    replyDeadline: iso(row.reply_deadline),
    firstResponseDue: row.first_responded_at ? null : iso(row.first_response_due),
    nextResponseDue: iso(row.next_response_due),
    routedAt: row.routed_at.toISOString(),
  };
}

/**
 * The agent's working API. An agent acts only on conversations they hold (or are offered);
 * supervisors and admins on any (reassign, resolve). Every state change takes the assignment lock.
 */
@ApiTags('conversations')
@Roles('agent', 'supervisor')
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private ctx(): EngineContext {
    return { settings: this.settings, now: this.clock.now() };
  }

  @Get()
  @ApiOperation({ summary: 'My open conversations (offered and assigned), with handoff context; supervisors may name an agent' })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiOkResponse({ type: [ConversationView] })
  async list(@CurrentPrincipal() caller: Principal, @Query('agentId') agentId?: string): Promise<ConversationView[]> {
    const supervisor = hasRole(caller, ['supervisor']);
    const who = supervisor ? agentId : caller.agentId;
    if (!supervisor && agentId && agentId !== caller.agentId) throw new ProblemException(403, 'Forbidden', 'An agent can only list their own conversations.');
    return this.uow.run(async (manager) => {
      const rows = (await manager.query(
        `SELECT * FROM "${schemaOf(manager)}".conversation_assignments WHERE state IN ('offered', 'assigned') AND ($1::text IS NULL OR agent_id = $1)
          ORDER BY assigned_at NULLS FIRST, offered_at LIMIT ${LIST_LIMIT}`,
        [who ?? null],
      )) as ConversationRow[];
      return rows.map(conversationView);
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation: handoff context, SLA due times, internal notes and the message history (from the normalizer)' })
  @ApiOkResponse({ type: ConversationDetailView })
  @ApiForbiddenResponse({ description: 'an agent asking for a conversation they do not hold' })
  async detail(@Param('id') id: string, @CurrentPrincipal() caller: Principal, @Headers('authorization') authorization: string): Promise<ConversationDetailView> {
    const cid = conversationId(id);
    const { row, notes } = await this.withConversation(cid, caller, { lock: false }, async (manager, _outbox, found) => {
      const rows = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".notes WHERE conversation_id = $1 ORDER BY created_at LIMIT 500`, [cid])) as Array<{ id: string; author_id: string; text: string; created_at: Date }>;
      return { row: found, notes: rows.map((n) => ({ id: n.id, authorId: n.author_id, text: n.text, createdAt: n.created_at.toISOString() })) };
    });
    return { ...conversationView(row), notes, history: await this.history(cid, authorization) };
  }

  /** The normalizer's messages for the conversation, with the caller's own token (its roles apply there too). */
  private async history(cid: string, authorization: string): Promise<unknown> {
    try {
      const response = await fetch(`${this.settings.normalizerUrl}/conversations/${cid}/messages?limit=100`, { headers: { authorization }, signal: AbortSignal.timeout(HISTORY_TIMEOUT_MS) });
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    }
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an offer made to me' })
  @ApiOkResponse({ type: ConversationView })
  @ApiConflictResponse({ description: 'no open offer to this agent (expired, declined, or never made)' })
  async accept(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<ConversationView> {
    const cid = conversationId(id);
    return this.withConversation(cid, caller, { lock: true }, async (manager, outbox, row) => {
      if (row.state !== 'offered') throw new ProblemException(409, 'Conflict', `the conversation is ${row.state}, not offered`);
      const [agent] = await loadAgents(manager, { id: row.agent_id! });
      await acceptOffer(manager, outbox, row, { id: agent!.id, displayName: agent!.display_name }, this.clock.now());
      return conversationView((await findConversation(manager, cid))!);
    });
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline an offer made to me: it goes to the next agent' })
  @ApiOkResponse({ type: ConversationView })
  @ApiConflictResponse({ description: 'no open offer to this agent' })
  async decline(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<ConversationView> {
    const cid = conversationId(id);
    return this.withConversation(cid, caller, { lock: true }, async (manager, outbox, row) => {
      if (row.state !== 'offered') throw new ProblemException(409, 'Conflict', `the conversation is ${row.state}, not offered`);
      const ctx = this.ctx();
      await endOffer(manager, outbox, row, OfferStatus.DECLINED, ctx.now);
      await pass(manager, outbox, ctx);
      return conversationView((await findConversation(manager, cid))!);
    });
  }

  @Post(':id/reply')
  @HttpCode(202)
  @ApiOperation({ summary: 'Reply to the customer: goes to omni.outbound.requested.v1; window-policy’s verdict appears on the stream' })
  @ApiOkResponse({ type: ReplyView })
  async reply(@Param('id') id: string, @Body() body: ReplyDto, @CurrentPrincipal() caller: Principal): Promise<ReplyView> {
    const cid = conversationId(id);
    return this.withConversation(cid, caller, { lock: false }, async (manager, outbox, row) => {
      if (row.state !== 'assigned') throw new ProblemException(409, 'Conflict', `the conversation is ${row.state}; accept it before replying`);
      const now = this.clock.now();
      const outboundId = requestOutbound(outbox, row, caller.agentId ?? caller.subject, { text: body.text, quickReplies: body.quickReplies }, now);
      // The agent answered: the first-response clock stops, the next-response one waits for the customer.
      await manager.query(
        `UPDATE "${schemaOf(manager)}".conversation_assignments SET first_responded_at = COALESCE(first_responded_at, $2), next_response_due = NULL,
           sla_warned = '{}' WHERE conversation_id = $1`,
        [cid, now],
      );
      return { outboundId };
    });
  }

  @Post(':id/notes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add an internal note (never sent to the customer)' })
  @ApiOkResponse({ type: NoteView })
  async note(@Param('id') id: string, @Body() body: NoteDto, @CurrentPrincipal() caller: Principal): Promise<NoteView> {
    const cid = conversationId(id);
    return this.withConversation(cid, caller, { lock: false }, async (manager, outbox, row) => {
      const note = { id: randomUUID(), authorId: caller.agentId ?? caller.subject, text: body.text, createdAt: this.clock.now() };
      await manager.query(`INSERT INTO "${schemaOf(manager)}".notes (id, conversation_id, author_id, text, created_at) VALUES ($1, $2, $3, $4, $5)`, [note.id, cid, note.authorId, note.text, note.createdAt]);
      notify(manager, outbox, { agentId: row.agent_id ?? '', kind: 'note', conversationId: cid, data: { noteId: note.id, authorId: note.authorId } });
      return { ...note, createdAt: note.createdAt.toISOString() };
    });
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transfer to an agent with room, or back to a queue (supervisors: reassign any conversation)' })
  @ApiOkResponse({ type: ConversationView })
  @ApiConflictResponse({ description: 'the target agent is not online or has no room' })
  async transfer(@Param('id') id: string, @Body() body: TransferDto, @CurrentPrincipal() caller: Principal): Promise<ConversationView> {
    const cid = conversationId(id);
    if (!!body.agentId === !!body.queue) throw new ProblemException(400, 'Invalid request', 'name exactly one target', [{ field: 'agentId', message: 'exactly one of agentId and queue' }]);
    return this.withConversation(cid, caller, { lock: true }, async (manager, outbox, row) => {
      if (row.state === 'resolved' || row.state === 'parked') throw new ProblemException(409, 'Conflict', `the conversation is ${row.state}`);
      const ctx = this.ctx();
      if (body.agentId) {
        const [target] = await loadAgents(manager, { id: body.agentId });
        if (!target) throw new ProblemException(404, 'Not found', `no agent "${body.agentId}"`);
        const own = row.agent_id === target.id ? row.weight : 0;
        const state = agentState(target);
        if (target.status !== 'online' || !fits({ ...state, load: state.load - own }, queuedConversation(row))) throw new ProblemException(409, 'Conflict', `agent "${body.agentId}" is not online or has no room`);
        await assign(manager, outbox, row, { id: target.id, displayName: target.display_name }, ctx.now, [{ rule: Reasons.transferToAgent.rule, detail: `by ${caller.subject}` }], row.agent_id ?? '');
      } else {
        await requeue(manager, row, Reasons.transferToQueue.rule, { queue: body.queue });
      }
      await pass(manager, outbox, ctx);
      return conversationView((await findConversation(manager, cid))!);
    });
  }

  /**
   * Resolves: the agent's room comes back (and goes to the queue in the same transaction),
   * omni.conversation.resolved.v1 goes out, and a CSAT survey where the queue asks for one.
   * Idempotent: resolving a resolved conversation answers 200 with `alreadyResolved: true`.
   */
  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve a conversation (idempotent)' })
  @ApiOkResponse({ type: ResolutionView })
  @ApiBadRequestResponse({ description: 'the id is not a UUID, or the body has invalid fields (problem+json)' })
  @ApiNotFoundResponse({ description: 'assignment never saw this conversation (problem+json)' })
  async resolve(@Param('id') id: string, @Body() body: ResolveConversationDto, @CurrentPrincipal() caller: Principal): Promise<ResolutionView> {
    const cid = conversationId(id);
    const resolution = body?.resolution ?? null;
    // The row lock, not the assignment lock: resolving only frees room, and the lock is taken just
    // before the commit for the pass (resolveConversation).
    return this.uow.run(async (manager, outbox, hooks) => {
      const ctx = this.ctx();
      const done = await resolveConversation(manager, outbox, hooks, cid, resolution, ctx, () => this.clock.now(), (row) => {
        // Resolving again is harmless for whoever resolved it; anything else needs the usual rights.
        if (!(closed(row) && caller.agentId && row.agent_id === caller.agentId)) this.authorize(caller, row);
      });
      if (!done) throw new ProblemException(404, 'Not found', `no conversation "${cid}"`);
      const { before: row, resolved } = done;
      if (!resolved) {
        const resolvedAt = row.resolved_at ?? row.assigned_at ?? row.routed_at;
        const handleMs = row.agent_id && row.assigned_at ? Math.max(0, resolvedAt.getTime() - row.assigned_at.getTime()) : 0;
        return { conversationId: cid, state: 'resolved' as const, agentId: row.agent_id, resolution: row.resolution, resolvedAt: resolvedAt.toISOString(), handleMs, alreadyResolved: true, csat: 'none' as const };
      }
      const csat = await sendSurvey(manager, outbox, row, resolved.agentId, ctx, resolved.csatWanted);
      return { conversationId: cid, state: 'resolved' as const, agentId: resolved.agentId, resolution, resolvedAt: resolved.resolvedAt.toISOString(), handleMs: resolved.handleMs, alreadyResolved: false, csat };
    });
  }

  /**
   * One command on one conversation, in one transaction: under the assignment lock when it may
   * take or move work (taken first, see docs/assignment.md); the row found (404) and the caller
   * authorised for it. (A resolve locks and reads the row itself: resolveConversation.)
   */
  private withConversation<T>(
    cid: string,
    caller: Principal,
    options: { lock: boolean },
    command: (manager: EntityManager, outbox: OutboxWriter, row: ConversationRow, hooks: TransactionHooks) => Promise<T>,
  ): Promise<T> {
    return this.uow.run(async (manager, outbox, hooks) => {
      if (options.lock) await lockAssignments(manager);
      const row = await findConversation(manager, cid);
      if (!row) throw new ProblemException(404, 'Not found', `no conversation "${cid}"`);
      this.authorize(caller, row);
      return command(manager, outbox, row, hooks);
    });
  }

  /** Supervisors act on any conversation; an agent only on one they hold or are offered. */
  private authorize(caller: Principal, row: ConversationRow): void {
    if (hasRole(caller, ['supervisor'])) return;
    if (!caller.agentId || row.agent_id !== caller.agentId || (row.state !== 'assigned' && row.state !== 'offered')) {
      throw new ProblemException(403, 'Forbidden', 'This conversation is not yours.');
    }
  }
}
