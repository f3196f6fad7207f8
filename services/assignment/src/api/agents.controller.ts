import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { CHANNEL_SLUGS } from '@omni/contracts';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, CurrentPrincipal, hasRole, ProblemException, Roles, type Clock, type Principal } from '@omni/service-kit';
import { lockAssignments, pass } from '../domain/engine';
import { announce, setPresence } from '../domain/presence';
import { loadAgents, schemaOf, type AgentRow } from '../domain/store';
import { SETTINGS, type AssignmentSettings } from '../settings';
import { AgentView, PresenceDto, UpsertAgentDto } from './agents.dto';

const AGENT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function agentView(a: AgentRow): AgentView {
  return {
    id: a.id,
    displayName: a.display_name,
    status: a.status,
    capacity: a.capacity,
    load: a.load,
    activeCount: a.held,
    skills: Object.entries(a.skill_levels).map(([name, level]) => (level > 1 ? `${name}:${level}` : name)),
    languages: a.languages,
    teams: a.teams,
    channelCapacity: a.channel_capacity,
    lastHeartbeatAt: a.last_heartbeat_at ? a.last_heartbeat_at.toISOString() : null,
  };
}

/** Agents act on themselves only; supervisors (and admins) on anyone. */
export function assertSelfOrSupervisor(caller: Principal, agentId: string): void {
  if (!hasRole(caller, ['supervisor']) && caller.agentId !== agentId) throw new ProblemException(403, 'Forbidden', 'An agent can only act as themselves.');
}

function validChannelCapacity(value: Record<string, number> | undefined): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  const entries = Object.entries(value);
  const bad = entries.length > CHANNEL_SLUGS.length || entries.some(([k, v]) => !(CHANNEL_SLUGS as readonly string[]).includes(k) || !Number.isInteger(v) || v < 0 || v > 100);
  if (bad) throw new ProblemException(400, 'Invalid request', 'channelCapacity is invalid', [{ field: 'channelCapacity', message: `keys must be channel slugs (${CHANNEL_SLUGS.join(', ')}), values integers 0-100` }]);
  return value;
}

/** Agents, their presence and heartbeat. Every presence change is published on omni.agent.presence.v1. */
@ApiTags('agents')
@Roles('supervisor')
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SETTINGS) private readonly settings: AssignmentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every agent with presence and load (supervisors)' })
  @ApiOkResponse({ type: [AgentView] })
  async list(): Promise<AgentView[]> {
    return this.uow.run(async (manager) => (await loadAgents(manager)).map(agentView));
  }

  @Get(':id')
  @Roles('agent', 'supervisor')
  @ApiOkResponse({ type: AgentView })
  async get(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<AgentView> {
    assertSelfOrSupervisor(caller, id);
    return this.uow.run(async (manager) => agentView(await this.find(manager, id)));
  }

  /** Create or update an agent (presence unchanged; new agents start offline). */
  @Put(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Create or update an agent: capacity, skills with levels, languages, teams, per-channel caps (admins)' })
  @ApiOkResponse({ type: AgentView })
  async upsert(@Param('id') id: string, @Body() body: UpsertAgentDto): Promise<AgentView> {
    if (!AGENT_ID.test(id)) throw new ProblemException(400, 'Invalid request', 'agent id has invalid characters', [{ field: 'id', message: 'must match [A-Za-z0-9._:@-]{1,128}' }]);
    const channelCapacity = validChannelCapacity(body.channelCapacity);
    return this.uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      const now = this.clock.now();
      const skills = body.skills ? Object.fromEntries(body.skills.map((s) => { const [name, level] = s.split(':'); return [name!, level ? Number(level) : 1]; })) : null;
      await manager.query(
        `INSERT INTO "${schemaOf(manager)}".agents (id, display_name, status, capacity, skills, skill_levels, languages, teams, channel_capacity, updated_at)
         VALUES ($1, $2, 'offline', $3, $4, COALESCE($5, '{}'::jsonb), COALESCE($6, '{}'::text[]), COALESCE($7, '{}'::text[]), COALESCE($8, '{}'::jsonb), $9)
         ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, capacity = EXCLUDED.capacity,
           skills = CASE WHEN $5::jsonb IS NULL THEN agents.skills ELSE EXCLUDED.skills END,
           skill_levels = COALESCE($5, agents.skill_levels), languages = COALESCE($6, agents.languages),
           teams = COALESCE($7, agents.teams), channel_capacity = COALESCE($8, agents.channel_capacity), updated_at = $9`,
        [id, body.displayName, body.capacity, skills ? Object.keys(skills) : [], skills ? JSON.stringify(skills) : null, body.languages ?? null, body.teams ?? null, channelCapacity ? JSON.stringify(channelCapacity) : null, now],
      );
      const agent = await this.find(manager, id);
      announce(outbox, agent);
      // More capacity (or new skills) may let queued work through at once.
      await pass(manager, outbox, { settings: this.settings, now });
      return agentView(await this.find(manager, id));
    });
  }

  @Put(':id/presence')
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'Set presence: online (receives work), away (keeps conversations, no new work), offline (conversations requeued after the grace period)' })
  @ApiOkResponse({ type: AgentView })
  async presence(@Param('id') id: string, @Body() body: PresenceDto, @CurrentPrincipal() caller: Principal): Promise<AgentView> {
    assertSelfOrSupervisor(caller, id);
    return this.uow.run(async (manager, outbox) => {
      await lockAssignments(manager);
      const agent = await this.find(manager, id);
      await setPresence(manager, outbox, agent, body.status, { settings: this.settings, now: this.clock.now() });
      return agentView(await this.find(manager, id));
    });
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'Keep presence alive: an online agent without a heartbeat for ASSIGNMENT_HEARTBEAT_TIMEOUT_MS goes offline' })
  @ApiOkResponse({ type: AgentView })
  async heartbeat(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<AgentView> {
    assertSelfOrSupervisor(caller, id);
    return this.uow.run(async (manager) => {
      // UPDATE through TypeORM answers [rows, affected].
      const [, affected] = (await manager.query(`UPDATE "${schemaOf(manager)}".agents SET last_heartbeat_at = $2 WHERE id = $1`, [id, this.clock.now()])) as [unknown[], number];
      if (!affected) throw new ProblemException(404, 'Not found', `no agent "${id}"`);
      return agentView(await this.find(manager, id));
    }, { quiet: true }); // a heartbeat only moves a deadline later: no reason to wake the sweeper
  }

  private async find(manager: EntityManager, id: string): Promise<AgentRow> {
    const [agent] = await loadAgents(manager, { id });
    if (!agent) throw new ProblemException(404, 'Not found', `no agent "${id}"`);
    return agent;
  }
}
