import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { ConversationResolvedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import { UnitOfWork } from '@omni/persistence';
import { ProblemException, Roles } from '@omni/service-kit';
import { drainQueueFor } from '../domain/assign';
import { ConversationAssignmentEntity } from '../domain/entities';
import { ResolutionView, ResolveConversationDto } from './conversations.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** resolved_at / resolution (migration 1732300000410) are read and written here with SQL. */
interface ResolutionColumns {
  resolved_at: Date | null;
  resolution: string | null;
}

function schemaOf(manager: EntityManager): string {
  return (manager.connection.options as { schema: string }).schema;
}

/** Conversations an agent (or a bot) is done with. */
@ApiTags('conversations')
@Roles('agent', 'supervisor')
@Controller('conversations')
export class ConversationsController {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Resolves a conversation: its agent gets the slot back (and, in the same transaction, the most
   * urgent queued conversation if any), and omni.conversation.resolved.v1 goes out through the
   * outbox. Idempotent: resolving a resolved conversation answers 200 with the state it already
   * has (`alreadyResolved: true`) and publishes nothing.
   */
  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve a conversation (idempotent)' })
  @ApiOkResponse({ type: ResolutionView })
  @ApiBadRequestResponse({ description: 'the id is not a UUID, or the body has invalid fields (problem+json)' })
  @ApiNotFoundResponse({ description: 'assignment never saw this conversation (problem+json)' })
  async resolve(@Param('id') id: string, @Body() body: ResolveConversationDto): Promise<ResolutionView> {
    if (!UUID.test(id)) throw new ProblemException(400, 'Invalid request', 'conversation id must be a UUID', [{ field: 'id', message: 'must be a UUID' }]);
    const conversationId = id.toLowerCase();
    return this.uow.run(async (manager, outbox) => {
      const schema = schemaOf(manager);
      const row = await manager.findOne(ConversationAssignmentEntity, { where: { conversationId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new ProblemException(404, 'Not found', `no conversation "${conversationId}"`);

      if (row.state === 'resolved') {
        const [done]: ResolutionColumns[] = await manager.query(`SELECT resolved_at, resolution FROM "${schema}".conversation_assignments WHERE conversation_id = $1`, [conversationId]);
        const resolvedAt = done?.resolved_at ?? row.assignedAt ?? row.routedAt;
        return view(row, resolvedAt, done?.resolution ?? null, true);
      }

      const now = new Date();
      const resolution = body?.resolution ?? null;
      const agentId = row.state === 'assigned' ? row.agentId : null;
      await manager.query(`UPDATE "${schema}".conversation_assignments SET state = 'resolved', resolved_at = $2, resolution = $3 WHERE conversation_id = $1`, [
        conversationId,
        now,
        resolution,
      ]);
      if (agentId) {
        await manager.query(`UPDATE "${schema}".agents SET active_count = GREATEST(active_count - 1, 0) WHERE id = $1`, [agentId]);
      }
      const result = view({ ...row, agentId }, now, resolution, false);
      const eventId = randomUUID();
      outbox.add(
        Topics.conversationResolved,
        conversationId,
        create(ConversationResolvedSchema, {
          id: eventId,
          conversationId,
          agentId: agentId ?? '',
          resolvedAt: timestampFromDate(now),
          resolution: resolution ?? '',
          handleMs: BigInt(result.handleMs),
          channel: row.channel,
          contactId: row.contactId,
        }),
        { id: eventId },
      );
      // The freed slot goes to the queue at once, in this transaction.
      if (agentId) await drainQueueFor(manager, outbox, agentId, now);
      return result;
    });
  }
}

function view(row: Pick<ConversationAssignmentEntity, 'conversationId' | 'agentId' | 'assignedAt'>, resolvedAt: Date, resolution: string | null, alreadyResolved: boolean): ResolutionView {
  return {
    conversationId: row.conversationId,
    state: 'resolved',
    agentId: row.agentId,
    resolution,
    resolvedAt: resolvedAt.toISOString(),
    handleMs: row.assignedAt && row.agentId ? Math.max(0, resolvedAt.getTime() - row.assignedAt.getTime()) : 0,
    alreadyResolved,
  };
}
