import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, ProblemException, Roles, type Clock } from '@omni/service-kit';
import { lockAssignments, pass } from '../domain/engine';
import { positions } from '../domain/matching';
import { loadQueued, loadQueues, queuedConversation, schemaOf, type QueuedRow, type QueueRow } from '../domain/store';
import { SETTINGS, type AssignmentSettings } from '../settings';
import { QueueView, UpsertQueueDto } from './queues.dto';

const QUEUE = /^[A-Za-z0-9._:-]{1,128}$/;
/** Most waiting conversations listed per queue. */
const LIST_LIMIT = 500;

/** Queue configuration (admins) and the live queues in serving order (supervisors). */
@ApiTags('queues')
@Roles('supervisor')
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Queues with their waiting conversations, in the order they will be served' })
  @ApiOkResponse({ type: [QueueView] })
  async list(): Promise<QueueView[]> {
    return this.uow.run(async (manager) => {
      // One connection per transaction: queries go one after the other.
      const queues = await loadQueues(manager);
      const waiting = await loadQueued(manager, this.settings.passLimit);
      const pos = positions(waiting.map(queuedConversation));
      const names = new Set([...queues.keys(), ...waiting.map((w) => w.queue)]);
      return [...names].sort().map((name) => this.view(name, queues.get(name), waiting.filter((w) => w.queue === name), pos));
    });
  }

  @Put(':name')
  @Roles('admin')
  @ApiOperation({ summary: 'Configure a queue: strategy, teams, offer timeout, SLA targets, overflow queue, CSAT (admins)' })
  @ApiOkResponse({ type: QueueView })
  async upsert(@Param('name') name: string, @Body() body: UpsertQueueDto): Promise<QueueView> {
    if (!QUEUE.test(name)) throw new ProblemException(400, 'Invalid request', 'queue name has invalid characters', [{ field: 'name', message: 'must match [A-Za-z0-9._:-]{1,128}' }]);
    return this.uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      const s = schemaOf(manager);
      const ms = (seconds: number | undefined) => (seconds === undefined ? null : seconds * 1000);
      await manager.query(
        `INSERT INTO "${s}".queues (name, strategy, teams, offer_timeout_ms, first_response_ms, next_response_ms, overflow_queue, csat, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (name) DO UPDATE SET strategy = EXCLUDED.strategy, teams = EXCLUDED.teams, offer_timeout_ms = EXCLUDED.offer_timeout_ms,
           first_response_ms = EXCLUDED.first_response_ms, next_response_ms = EXCLUDED.next_response_ms, overflow_queue = EXCLUDED.overflow_queue,
           csat = EXCLUDED.csat, updated_at = EXCLUDED.updated_at`,
        [name, body.strategy, body.teams ?? [], (body.offerTimeoutSeconds ?? 0) * 1000, ms(body.firstResponseSeconds), ms(body.nextResponseSeconds), body.overflowQueue ?? null, body.csat ?? false, this.clock.now()],
      );
      await pass(manager, outbox, { settings: this.settings, now: this.clock.now() });
      // One connection per transaction: queries go one after the other.
      const queues = await loadQueues(manager);
      const waiting = await loadQueued(manager, this.settings.passLimit);
      return this.view(name, queues.get(name), waiting.filter((w) => w.queue === name), positions(waiting.map(queuedConversation)));
    });
  }

  private view(name: string, q: QueueRow | undefined, waiting: QueuedRow[], pos: Map<string, number>): QueueView {
    const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 1000));
    return {
      name,
      strategy: q?.strategy ?? this.settings.defaultStrategy,
      teams: q?.teams ?? [],
      offerTimeoutSeconds: seconds(q?.offer_timeout_ms) ?? 0,
      firstResponseSeconds: seconds(q?.first_response_ms),
      nextResponseSeconds: seconds(q?.next_response_ms),
      overflowQueue: q?.overflow_queue ?? null,
      csat: q?.csat ?? false,
      waiting: waiting.slice(0, LIST_LIMIT).map((w) => ({
        conversationId: w.conversation_id,
        position: pos.get(w.conversation_id)!,
        priority: w.rank,
        escalated: w.escalated,
        replyDeadline: w.reply_deadline ? w.reply_deadline.toISOString() : null,
        since: w.since.toISOString(),
        channel: w.channel,
      })),
    };
  }
}
