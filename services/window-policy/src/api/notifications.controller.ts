import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Alternative_Kind,
  Channel,
  channelFromSlug,
  create,
  MessagePurpose,
  NotificationRefusedSchema,
  OutboundContentSchema,
  OutboundRequestedSchema,
  RejectionReason,
  TemplateRefSchema,
  timestampFromDate,
  Topics,
  type NotificationRequested,
  type OutboundRequested,
  NotificationRequestedSchema,
  type TemplateRef,
} from '@omni/contracts';
import { UnitOfWork } from '@omni/persistence';
import { CurrentPrincipal, ProblemException, Roles, type Principal } from '@omni/service-kit';
import { CLOCK, type Clock } from '../domain/clock';
import { decide, type AlternativeInit, type Decision, type RecipientState } from '../domain/decide';
import { OutboundGate } from '../gate';
import { SETTINGS, type WindowPolicySettings } from '../settings';
import { slugOf, StateStore } from '../state/store';
import { NotificationRequestDto, NotificationResultView, type ChannelRefusalView, type ChannelTemplateDto } from './notifications.dto';

type Refusal = Extract<Decision, { outcome: 'rejected' }> & { channel: Channel };

/** Proactive notifications (reminders, appointment and delivery updates) for a contact, not a conversation. */
@ApiTags('notifications')
@Roles('crm', 'supervisor')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly gate: OutboundGate,
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Picks the first compliant route in the contact's order (free-form where a window is open, the
   * caller's template where only a template may go, SMS where the number has not opted out,
   * deferred through quiet hours) and sends it through the normal outbound gate; or refuses with
   * the reason for every channel, also published on omni.notification.refused.v1.
   */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a proactive notification to a contact on the first compliant channel' })
  @ApiOkResponse({ type: NotificationResultView, description: 'outcome approved / deferred (with the channel) or refused (with a reason per channel)' })
  @ApiBadRequestResponse({ description: 'invalid body (problem+json with the field)' })
  @ApiNotFoundResponse({ description: 'window-policy knows no channel for this contact' })
  @ApiConflictResponse({ description: 'a notification with this id was already accepted' })
  async notify(@Body() body: NotificationRequestDto, @CurrentPrincipal() caller: Principal | undefined): Promise<NotificationResultView> {
    const now = this.clock.now();
    const notification = create(NotificationRequestedSchema, {
      id: body.id ?? randomUUID(),
      contactId: body.contactId,
      purpose: body.purpose === 'marketing' ? MessagePurpose.MARKETING : MessagePurpose.TRANSACTIONAL,
      content: { text: body.content.text },
      templates: (body.templates ?? []).map((t) => ({ channel: channelFromSlug(t.channel), template: templateRef(t) })),
      channels: (body.channels ?? []).map(channelFromSlug),
      requestedBy: caller?.subject ?? '',
      requestedAt: timestampFromDate(now),
    });
    let result: NotificationResultView | undefined;
    const outcome = await this.uow.once('window-policy:notifications', notification.id, async (manager, outbox) => {
      const store = new StateStore(manager);
      const contact = await store.contact(notification.contactId);
      const known = await store.contactChannels(notification.contactId, contact);
      if (!known.length) throw new ProblemException(404, 'Not found', `no channel is known for contact "${notification.contactId}"`);
      const order = channelOrder(notification, known, contact?.preferred_channel ?? undefined);
      const refusals: Refusal[] = [];
      for (const channel of order) {
        const state = known.find((k) => k.channel === channel);
        const attempt = await this.tryChannel(manager, notification, channel, state, now);
        if (attempt.decision.outcome === 'rejected') {
          refusals.push({ ...attempt.decision, channel });
          this.gate.count(channel, attempt.decision);
          continue;
        }
        const decision = await this.gate.decideAndPublish(manager, outbox, attempt.request, now);
        result = {
          notificationId: notification.id,
          outcome: decision.outcome === 'rejected' ? 'refused' : decision.outcome,
          channel: slugOf(channel),
          outboundId: attempt.request.id,
          template: attempt.request.content?.template?.name || undefined,
          notBefore: decision.outcome === 'deferred' ? decision.notBefore.toISOString() : undefined,
          reasons: decision.reasons,
          refusals: refusals.map(refusalView),
          decidedAt: now.toISOString(),
        };
        return;
      }
      const id = randomUUID();
      outbox.add(
        Topics.notificationRefused,
        notification.contactId,
        create(NotificationRefusedSchema, {
          id,
          request: notification,
          refusedAt: timestampFromDate(now),
          refusals: refusals.map((r) => ({ channel: r.channel, reason: r.reason, detail: r.detail, reasons: r.reasons, alternatives: r.alternatives })),
        }),
        { id },
      );
      result = { notificationId: notification.id, outcome: 'refused', reasons: [], refusals: refusals.map(refusalView), decidedAt: now.toISOString() };
    });
    if (outcome === 'duplicate') throw new ProblemException(409, 'Conflict', `notification "${notification.id}" was already accepted`);
    return result!;
  }

  /** Free-form first; where the channel needs a template and the caller gave one, the template. */
  private async tryChannel(
    manager: EntityManager,
    notification: NotificationRequested,
    channel: Channel,
    state: RecipientState | undefined,
    now: Date,
  ): Promise<{ request: OutboundRequested; decision: Decision }> {
    const base = create(OutboundRequestedSchema, {
      id: randomUUID(),
      conversationId: state?.conversationId ?? '',
      channel,
      accountId: state?.accountId ?? '',
      recipient: { channelUserId: state?.channelUserId ?? '' },
      authorId: `api:${notification.requestedBy || 'unknown'}`,
      authorIsHuman: false,
      content: notification.content,
      requestedAt: notification.requestedAt,
      purpose: notification.purpose,
      contactId: notification.contactId,
    });
    const judge = async (request: OutboundRequested) => decide(await this.gate.facts(manager, request, now), this.settings);
    const freeForm = await judge(base);
    const template = notification.templates.find((t) => t.channel === channel)?.template;
    if (freeForm.outcome === 'rejected' && freeForm.reason === RejectionReason.TEMPLATE_REQUIRED && template) {
      const withTemplate = create(OutboundRequestedSchema, { ...base, content: create(OutboundContentSchema, { template }) });
      return { request: withTemplate, decision: await judge(withTemplate) };
    }
    return { request: base, decision: freeForm };
  }
}

function templateRef(t: ChannelTemplateDto): TemplateRef {
  return create(TemplateRefSchema, {
    name: t.name,
    language: t.language,
    category: t.category ?? '',
    components: t.components.map((c) => ({ type: c.type, subType: c.subType ?? '', index: c.index ?? 0, parameters: c.parameters.map((p) => ({ type: p.type, value: p.value })) })),
  });
}

/** The caller's order, else the contact's preferred channel first, then the most recently active. */
function channelOrder(notification: NotificationRequested, known: RecipientState[], preferred: string | undefined): Channel[] {
  if (notification.channels.length) return [...new Set(notification.channels)];
  const byActivity = [...known].sort((a, b) => (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0)).map((k) => k.channel);
  let first: Channel | undefined;
  try {
    first = preferred ? channelFromSlug(preferred) : undefined;
  } catch {
    first = undefined;
  }
  return [...new Set([...(first !== undefined ? [first] : []), ...byActivity])];
}

function refusalView(r: Refusal): ChannelRefusalView {
  return {
    channel: slugOf(r.channel),
    reason: RejectionReason[r.reason] ?? 'UNSPECIFIED',
    detail: r.detail,
    reasons: r.reasons,
    alternatives: r.alternatives.map(alternativeView),
  };
}

function alternativeView(a: AlternativeInit): ChannelRefusalView['alternatives'][number] {
  return {
    kind: (Alternative_Kind[a.kind ?? 0] ?? 'UNSPECIFIED').toLowerCase(),
    channel: a.channel ? slugOf(a.channel) : undefined,
    recipientId: a.recipientId || undefined,
    tag: a.tag || undefined,
    templateName: a.templateName || undefined,
    templateLanguage: a.templateLanguage || undefined,
    detail: a.detail ?? '',
  };
}
