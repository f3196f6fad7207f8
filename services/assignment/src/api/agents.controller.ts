import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { AgentPresenceSchema, AgentStatus, create, timestampFromDate, Topics } from '@omni/contracts';
import { UnitOfWork, type OutboxWriter } from '@omni/persistence';
import { CurrentPrincipal, ProblemException, Roles, hasRole, type Principal } from '@omni/service-kit';
import { drainQueueFor } from '../domain/assign';
import { AgentEntity } from '../domain/entities';
import { AgentView, PresenceDto, UpsertAgentDto } from './agents.dto';

const AGENT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const STATUS: Record<string, AgentStatus> = { online: AgentStatus.ONLINE, away: AgentStatus.AWAY, offline: AgentStatus.OFFLINE };

function view(agent: AgentEntity): AgentView {
  const { id, displayName, status, capacity, activeCount, skills, languages } = agent;
  return { id, displayName, status, capacity, activeCount, skills, languages };
}

/** Agents and their presence. Every change is published on omni.agent.presence.v1. */
@ApiTags('agents')
@Roles('supervisor')
@Controller('agents')
export class AgentsController {
  constructor(private readonly uow: UnitOfWork) {}

  @Get()
  @ApiOkResponse({ type: [AgentView] })
  async list(): Promise<AgentView[]> {
    return this.uow.run(async (manager) => (await manager.find(AgentEntity, { order: { id: 'ASC' } })).map(view));
  }

  @Get(':id')
  @ApiOkResponse({ type: AgentView })
  async get(@Param('id') id: string): Promise<AgentView> {
    return this.uow.run(async (manager) => view(await this.find(manager, id)));
  }

  /** Create or update an agent (presence unchanged; new agents start offline). */
  @Put(':id')
  @Roles('admin')
  @ApiOkResponse({ type: AgentView })
  async upsert(@Param('id') id: string, @Body() body: UpsertAgentDto): Promise<AgentView> {
    if (!AGENT_ID.test(id)) throw new ProblemException(400, 'Invalid request', 'agent id has invalid characters', [{ field: 'id', message: 'must match [A-Za-z0-9._:@-]{1,128}' }]);
    return this.uow.run(async (manager, outbox) => {
      const existing = await manager.findOne(AgentEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      const agent = manager.create(AgentEntity, {
        ...(existing ?? { status: 'offline', activeCount: 0, lastAssignedAt: null }),
        id,
        displayName: body.displayName,
        capacity: body.capacity,
        skills: body.skills ?? existing?.skills ?? [],
        languages: body.languages ?? existing?.languages ?? [],
        updatedAt: new Date(),
      });
      await manager.save(AgentEntity, agent);
      this.announce(outbox, agent);
      await drainQueueFor(manager, outbox, id, new Date());
      return view(await this.find(manager, id));
    });
  }

  @Put(':id/presence')
  @Roles('agent', 'supervisor')
  @ApiOkResponse({ type: AgentView })
  async presence(@Param('id') id: string, @Body() body: PresenceDto, @CurrentPrincipal() caller: Principal): Promise<AgentView> {
    // Agents set their own presence only; supervisors (and admins) anyone's.
    if (!hasRole(caller, ['supervisor']) && caller.agentId !== id) throw new ProblemException(403, 'Forbidden', 'An agent can only change their own presence.');
    return this.uow.run(async (manager, outbox) => {
      const agent = await this.find(manager, id, true);
      agent.status = body.status;
      agent.updatedAt = new Date();
      await manager.update(AgentEntity, { id }, { status: body.status, updatedAt: agent.updatedAt });
      this.announce(outbox, agent);
      await drainQueueFor(manager, outbox, id, new Date());
      return view(await this.find(manager, id));
    });
  }

  private async find(manager: EntityManager, id: string, lock = false): Promise<AgentEntity> {
    const agent = await manager.findOne(AgentEntity, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!agent) throw new ProblemException(404, 'Not found', `no agent "${id}"`);
    return agent;
  }

  private announce(outbox: OutboxWriter, agent: AgentEntity): void {
    const eventId = randomUUID();
    outbox.add(
      Topics.agentPresence,
      agent.id,
      create(AgentPresenceSchema, {
        id: eventId,
        agentId: agent.id,
        status: STATUS[agent.status],
        capacity: agent.capacity,
        skills: agent.skills,
        languages: agent.languages,
        occurredAt: timestampFromDate(agent.updatedAt),
        displayName: agent.displayName,
      }),
      { id: eventId },
    );
  }
}
