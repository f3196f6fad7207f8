import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { dmSendBudget } from '@omni/channel-twitter';
import {
  Channel,
  create,
  fromBinary,
  OutboundApprovedSchema,
  OutboundDeferredSchema,
  OutboundRejectedSchema,
  OutboundRequestedSchema,
  RejectionReason,
  timestampFromDate,
  toBinary,
  Topics,
  type OutboundRequested,
} from '@omni/contracts';
import { Metrics } from '@omni/observability';
import type { OutboxWriter } from '@omni/persistence';
import { decide, type Decision, type DecisionInput } from './domain/decide';
import { recipientZones } from './domain/quiet-hours';
import { SETTINGS, type WindowPolicySettings } from './settings';
import { slugOf, StateStore } from './state/store';
import { scheduleTimer } from './timers/timer-store';

/** Record key of an outbound: its conversation, or the contact for proactive sends without one. */
export function outboundKey(request: OutboundRequested): string {
  return request.conversationId || request.contactId || request.id;
}

/**
 * Gathers the facts for one outbound request, decides, and writes the verdict (approved, rejected,
 * or deferred + its release timer) in the caller's transaction. The Kafka handler, the release
 * timer and the proactive API all go through here, so they cannot disagree.
 */
@Injectable()
export class OutboundGate {
  constructor(
    @Inject(SETTINGS) private readonly settings: WindowPolicySettings,
    private readonly metrics: Metrics,
  ) {}

  async facts(manager: EntityManager, request: OutboundRequested, now: Date): Promise<DecisionInput> {
    const store = new StateStore(manager);
    const recipientId = request.recipient?.channelUserId ?? '';
    const recipient = recipientId ? await store.recipient(request.channel, recipientId) : undefined;
    const contactId = request.contactId || recipient?.contactId || '';
    const contact = contactId ? await store.contact(contactId) : undefined;
    const others = contactId ? (await store.contactChannels(contactId, contact)).filter((s) => s.channel !== request.channel) : [];
    const zones = recipientZones({
      timezone: request.recipient?.timezone || contact?.timezone || undefined,
      phone: request.channel === Channel.SMS ? recipientId : (contact?.phone_e164 ?? undefined),
      countryZones: this.settings.countryZones,
      defaultZone: this.settings.defaultZone,
    });
    let pacingWaitMs = 0;
    if (request.channel === Channel.TWITTER) {
      const sends = await store.xSends(request.accountId, now);
      const budget = dmSendBudget({ userSends: sends.account, appSends: sends.app, now: now.getTime() });
      const paused = await store.xPausedUntil(request.accountId);
      pacingWaitMs = Math.max(budget.allowed ? 0 : budget.waitMs, paused ? paused.getTime() - now.getTime() : 0);
    }
    return { request: contactId && !request.contactId ? { ...request, contactId } : request, now, recipient, others, zones, pacingWaitMs };
  }

  /** Decide and publish. Returns the decision for callers that answer synchronously (the API). */
  async decideAndPublish(manager: EntityManager, outbox: OutboxWriter, request: OutboundRequested, now: Date): Promise<Decision> {
    const input = await this.facts(manager, request, now);
    const decision = decide(input, this.settings);
    // Database writes first, outbox last: a failure in between leaves nothing half-published.
    if (decision.outcome === 'approved' && request.channel === Channel.TWITTER) await new StateStore(manager).recordXSend(request.accountId, now);
    if (decision.outcome === 'deferred') {
      await scheduleTimer(manager, {
        kind: 'release-deferred',
        subject: request.id,
        dueAt: decision.notBefore,
        payload: { request: Buffer.from(toBinary(OutboundRequestedSchema, input.request)).toString('base64') },
        contactId: input.request.contactId,
      });
    }
    this.publish(outbox, input.request, decision, now);
    this.count(request.channel, decision);
    return decision;
  }

  /** A deferred request whose time has come: decided again from scratch (consent may have changed). */
  async release(manager: EntityManager, outbox: OutboxWriter, payload: Record<string, string>, now: Date): Promise<Decision> {
    const request = fromBinary(OutboundRequestedSchema, Buffer.from(payload.request ?? '', 'base64'));
    return this.decideAndPublish(manager, outbox, request, now);
  }

  publish(outbox: OutboxWriter, request: OutboundRequested, decision: Decision, now: Date): void {
    const id = randomUUID();
    const key = outboundKey(request);
    const at = timestampFromDate(now);
    switch (decision.outcome) {
      case 'approved':
        outbox.add(
          Topics.outboundApproved,
          key,
          create(OutboundApprovedSchema, {
            id,
            request,
            approvedAt: at,
            policy: {
              messagingType: decision.messagingType,
              tag: decision.tag ?? '',
              windowClosesAt: decision.windowClosesAt ? timestampFromDate(decision.windowClosesAt) : undefined,
              reasons: decision.reasons,
            },
          }),
          { id },
        );
        return;
      case 'rejected':
        outbox.add(
          Topics.outboundRejected,
          key,
          create(OutboundRejectedSchema, { id, request, reason: decision.reason, detail: decision.detail, alternatives: decision.alternatives, rejectedAt: at, reasons: decision.reasons }),
          { id },
        );
        return;
      case 'deferred':
        outbox.add(
          Topics.outboundDeferred,
          key,
          create(OutboundDeferredSchema, {
            id,
            request,
            reason: decision.reason,
            detail: decision.detail,
            notBefore: timestampFromDate(decision.notBefore),
            reasons: decision.reasons,
            deferredAt: at,
          }),
          { id },
        );
        return;
    }
  }

  count(channel: Channel, decision: Decision): void {
    const reason = decision.outcome === 'approved' ? (decision.reasons[0]?.rule ?? '') : RejectionReason[decision.reason] ?? 'UNSPECIFIED';
    this.metrics
      .counter('omni_window_policy_decisions_total', 'Outbound decisions by channel, outcome and rule/reason', ['channel', 'outcome', 'reason'])
      .inc({ channel: slugOf(channel), outcome: decision.outcome, reason });
  }
}
