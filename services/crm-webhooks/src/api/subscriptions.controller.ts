import { randomBytes, randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { dataschemaOf, WEBHOOK_TOPICS } from '@omni/contracts';
import { isUuid, LOGGER } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { schemaOf, UnitOfWork } from '@omni/persistence';
import { ProblemException, Roles } from '@omni/service-kit';
import { CLOCK, type Clock } from '../domain/clock';
import {
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listDeadLetters,
  listSubscriptions,
  redeliver,
  replay,
  updateSubscription,
  type SubscriptionRow,
} from '../domain/store';
import { SETTINGS, type WebhookSettings } from '../settings';
import {
  CreateSubscriptionDto,
  DeadLetterPage,
  DeadLetterQuery,
  EventTypeView,
  RedeliverDto,
  RedeliverView,
  ReplayDto,
  ReplayView,
  SubscriptionView,
  UpdateSubscriptionDto,
} from './dto';

const MAX_SUBSCRIPTIONS = 1_000;

function invalid(field: string, message: string): ProblemException {
  return new ProblemException(400, 'Invalid request', 'The request has invalid fields.', [{ field, message }]);
}

function view(row: SubscriptionRow, secret?: string): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    lastSuccessAt: row.last_success_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    ...(secret ? { secret } : {}),
  };
}

/**
 * Webhook subscriptions of CRM integrations (`crm` scope): where to POST which event types,
 * signed with the subscription's Standard Webhooks secret; their dead-letter lists; replays.
 */
@ApiTags('webhook subscriptions')
@Roles('crm')
@Controller()
export class SubscriptionsController {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SETTINGS) private readonly settings: WebhookSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('event-types')
  @ApiOperation({ summary: 'The event types a subscription can ask for, with their JSON Schema' })
  @ApiOkResponse({ type: [EventTypeView] })
  eventTypes(): EventTypeView[] {
    return WEBHOOK_TOPICS.map((t) => ({ type: t.ceType, topic: t.name, description: t.description, dataschema: dataschemaOf(t.ceType) }));
  }

  @Post('subscriptions')
  @ApiOperation({ summary: 'Subscribe an endpoint to event types; the answer carries the signing secret (only here)' })
  @ApiCreatedResponse({ type: SubscriptionView })
  async create(@Body() body: CreateSubscriptionDto): Promise<SubscriptionView> {
    const url = this.checkUrl(body.url);
    const secret = body.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    if (bytes < 24 || bytes > 64) throw invalid('secret', 'must be whsec_ followed by the base64 of 24 to 64 bytes');
    const now = this.clock.now();
    const row = await this.uow.run(async (manager) => {
      const [count]: Array<{ n: number }> = await manager.query(`SELECT count(*)::int AS n FROM "${schemaOf(manager)}".subscriptions`);
      if ((count?.n ?? 0) >= MAX_SUBSCRIPTIONS) throw new ProblemException(409, 'Conflict', `at most ${MAX_SUBSCRIPTIONS} subscriptions`);
      const id = randomUUID();
      await insertSubscription(manager, { id, url, event_types: body.eventTypes, secret, description: body.description ?? null, status: 'active', created_at: now, updated_at: now });
      return (await findSubscription(manager, id))!;
    });
    this.logger.info({ subscriptionId: row.id, origin: new URL(url).origin, eventTypes: row.event_types }, 'webhook subscription created');
    return view(row, secret);
  }

  @Get('subscriptions')
  @ApiOkResponse({ type: [SubscriptionView] })
  async list(): Promise<SubscriptionView[]> {
    return (await this.uow.run((manager) => listSubscriptions(manager, MAX_SUBSCRIPTIONS))).map((row) => view(row));
  }

  @Get('subscriptions/:id')
  @ApiOkResponse({ type: SubscriptionView })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string): Promise<SubscriptionView> {
    return view(await this.uow.run((manager) => this.find(manager, id)));
  }

  @Patch('subscriptions/:id')
  @ApiOperation({ summary: 'Change the URL, event types or description; re-enable (status active) or pause (disabled)' })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiNotFoundResponse()
  async update(@Param('id') id: string, @Body() body: UpdateSubscriptionDto): Promise<SubscriptionView> {
    const url = body.url === undefined ? undefined : this.checkUrl(body.url);
    return view(
      await this.uow.run(async (manager) => {
        await this.find(manager, id, true);
        await updateSubscription(manager, id, { url, eventTypes: body.eventTypes, description: body.description, status: body.status }, this.clock.now());
        if (body.status === 'disabled') await manager.query(`UPDATE "${schemaOf(manager)}".subscriptions SET disabled_reason = 'paused', disabled_at = $2 WHERE id = $1`, [id, this.clock.now()]);
        return (await findSubscription(manager, id))!;
      }),
    );
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string): Promise<void> {
    this.checkId(id);
    const removed = await this.uow.run((manager) => deleteSubscription(manager, id));
    if (!removed) throw new ProblemException(404, 'Not found', `no subscription ${id}`);
  }

  @Get('subscriptions/:id/dead-letters')
  @ApiOperation({ summary: 'Deliveries that failed for the whole retry window (or met 410 Gone), oldest first' })
  @ApiOkResponse({ type: DeadLetterPage })
  @ApiNotFoundResponse()
  async deadLetters(@Param('id') id: string, @Query() query: DeadLetterQuery): Promise<DeadLetterPage> {
    const limit = query.limit ?? 100;
    const rows = await this.uow.run(async (manager) => {
      await this.find(manager, id);
      return listDeadLetters(manager, id, query.after, limit);
    });
    return {
      items: rows.map((r) => ({
        deliveryId: r.id,
        eventId: r.event_id,
        eventType: r.ce_type,
        sequence: r.event_seq,
        orderingKey: r.ordering_key,
        attempts: r.attempts,
        lastStatus: r.last_status,
        lastError: r.last_error,
        firstAttemptAt: r.first_attempt_at?.toISOString() ?? null,
        deadAt: (r.dead_at ?? r.created_at).toISOString(),
      })),
      nextCursor: rows.length === limit ? rows.at(-1)!.id : null,
    };
  }

  @Post('subscriptions/:id/dead-letters/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put dead-lettered deliveries back in line (all, or the ids given); they are retried afresh' })
  @ApiOkResponse({ type: RedeliverView })
  @ApiNotFoundResponse()
  async redeliver(@Param('id') id: string, @Body() body: RedeliverDto): Promise<RedeliverView> {
    const requeued = await this.uow.run(async (manager) => {
      await this.find(manager, id);
      return redeliver(manager, id, body?.deliveryIds, this.clock.now());
    });
    this.logger.info({ subscriptionId: id, requeued }, 'dead letters requeued');
    return { requeued };
  }

  @Post('subscriptions/:id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver the subscription’s event types again from a cursor (exclusive) or a time (inclusive), in order' })
  @ApiAcceptedResponse({ type: ReplayView })
  @ApiNotFoundResponse()
  async replay(@Param('id') id: string, @Body() body: ReplayDto): Promise<ReplayView> {
    if ((body.fromCursor === undefined) === (body.fromTime === undefined)) throw invalid('fromCursor', 'give exactly one of fromCursor and fromTime');
    const result = await this.uow.run(async (manager) => {
      const subscription = await this.find(manager, id);
      if (subscription.status !== 'active') throw new ProblemException(409, 'Conflict', 'the subscription is disabled: re-enable it first (PATCH status active)');
      const from = body.fromCursor !== undefined ? { afterSeq: body.fromCursor } : { since: new Date(body.fromTime!) };
      return replay(manager, subscription, from, `replay:${randomUUID()}`, body.limit ?? 1_000, this.clock.now());
    });
    this.logger.info({ subscriptionId: id, queued: result.queued, more: result.more }, 'replay queued');
    return { queued: result.queued, lastCursor: result.lastSeq ?? null, more: result.more };
  }

  private checkId(id: string): void {
    if (!isUuid(id)) throw invalid('id', 'must be a UUID');
  }

  private async find(manager: EntityManager, id: string, lock = false): Promise<SubscriptionRow> {
    this.checkId(id);
    const row = await findSubscription(manager, id, lock);
    if (!row) throw new ProblemException(404, 'Not found', `no subscription ${id}`);
    return row;
  }

  /** An absolute http(s) URL without credentials; https unless WEBHOOK_ALLOW_HTTP. */
  private checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('url', 'must be an absolute URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.settings.allowHttp)) throw invalid('url', this.settings.allowHttp ? 'must be http or https' : 'must be https');
    if (url.username || url.password) throw invalid('url', 'must not carry credentials (the signature authenticates Omni)');
    if (url.hash) throw invalid('url', 'must not have a fragment');
    return url.toString();
  }
}

