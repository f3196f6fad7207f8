import { randomUUID } from 'node:crypto';
import { Inject, Controller } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CanonicalErrorInit, ChannelAdapter, ProviderRequest } from '@omni/channel-sdk';
import {
  create,
  DeliveryState,
  ErrorCode,
  MessageStatusSchema,
  OutboundDispatchedSchema,
  timestampFromDate,
  Topics,
  type OutboundApproved,
} from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { callProvider } from './provider-client';
import { SendEntity } from './send-ledger';
import { SendPacer, sleepWithHeartbeat } from './send-pacer';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

type PartOutcome = { ok: true; providerMessageId?: string; segments?: number; attempts?: number } | { ok: false; error: CanonicalErrorInit; attempts: number };

/**
 * omni.outbound.approved.v1 → the provider. Each approved outbound is sent once: the send ledger
 * records progress part by part, so a redelivered approval is recognised and an interrupted
 * multi-part send resumes where it stopped. Retryable provider errors are retried with backoff
 * (waiting out a rate limit's reset rather than failing); the outcome is published as
 * omni.message.status.v1 (sent with the provider id, or failed with the canonical error) and
 * omni.outbound.dispatched.v1.
 */
@Controller()
export class OutboundDispatcher {
  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    private readonly pacer: SendPacer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.outboundApproved, { batch: false })
  async onApproved(event: ConsumedEvent<OutboundApproved>): Promise<void> {
    const approved = event.value;
    const request = approved.request;
    if (!request || request.channel !== this.adapter.channel) return; // another gateway's
    const outboundId = request.id;
    const ledger = this.dataSource.getRepository(SendEntity);
    await ledger.createQueryBuilder().insert().values({ outboundId, state: 'sending', updatedAt: new Date() }).orIgnore().execute();
    const entry = await ledger.findOneByOrFail({ outboundId });
    if (entry.state !== 'sending') {
      this.logger.info({ outboundId, state: entry.state }, 'outbound already handled, redelivery ignored');
      return;
    }

    let parts: ProviderRequest[];
    try {
      parts = this.adapter.format(approved);
    } catch (err) {
      return this.finish(event, entry, { ok: false, attempts: 0, error: { code: ErrorCode.UNKNOWN, retryable: false, message: `cannot format: ${(err as Error).message}` } }, 0);
    }
    let segments = 0;
    let attemptsTotal = entry.attempts;
    for (let index = entry.partsDone; index < parts.length; index++) {
      // The quota slot is taken before the call (atomically), so concurrent sends cannot share it.
      const slot = await this.pacer.reserve(request.accountId, event.heartbeat);
      let outcome: PartOutcome;
      try {
        outcome = await this.sendPart(parts[index]!, event);
      } catch (err) {
        await this.pacer.release(slot);
        throw err;
      }
      // Every provider call counts, also the refused ones before a success (a part that needed a
      // retry took 2 attempts, not 1).
      attemptsTotal += outcome.attempts ?? 1;
      if (!outcome.ok) {
        await this.pacer.release(slot); // the provider did not take it: the slot is free again
        return this.finish(event, { ...entry, attempts: attemptsTotal }, outcome, segments);
      }
      segments += outcome.segments ?? 0;
      entry.providerMessageIds = [...entry.providerMessageIds, ...(outcome.providerMessageId ? [outcome.providerMessageId] : [])];
      entry.partsDone = index + 1;
      await ledger.update({ outboundId }, { partsDone: entry.partsDone, providerMessageIds: entry.providerMessageIds, attempts: attemptsTotal, updatedAt: new Date() });
    }
    return this.finish(event, { ...entry, attempts: attemptsTotal }, { ok: true }, segments);
  }

  private async sendPart(part: ProviderRequest, event: ConsumedEvent<OutboundApproved>): Promise<PartOutcome> {
    const maxAttempts = this.options.maxSendAttempts ?? 5;
    const calls = this.metrics.counter('omni_provider_requests_total', 'Provider API calls by outcome', ['channel', 'purpose', 'outcome']);
    for (let attempt = 1; ; attempt++) {
      let outcome;
      try {
        const response = await callProvider(this.adapter, this.options.apiBaseUrl, part, this.options.requestTimeoutMs ?? 15_000);
        outcome = this.adapter.interpret(part, response, new Date());
      } catch (err) {
        // Network failure or timeout: the provider may be down; retry like a 5xx.
        outcome = { ok: false as const, error: { code: ErrorCode.PROVIDER_DOWN, retryable: true, message: `request failed: ${(err as Error).message}` } };
      }
      calls.inc({ channel: this.adapter.slug, purpose: part.purpose.split(' ')[0]!, outcome: outcome.ok ? 'ok' : ErrorCode[outcome.error.code ?? ErrorCode.UNKNOWN] ?? 'unknown' });
      if (outcome.ok) return { ...outcome, attempts: attempt };
      if (!outcome.error.retryable || attempt >= maxAttempts) return { ok: false, error: outcome.error, attempts: attempt };
      const backoff = Math.min((this.options.retryBaseMs ?? 500) * 2 ** (attempt - 1), 30_000);
      const wait = Math.max(Number(outcome.error.retryAfterMs ?? 0), backoff);
      this.logger.warn({ channel: this.adapter.slug, purpose: part.purpose, attempt, waitMs: wait, code: ErrorCode[outcome.error.code ?? 0] }, 'provider refused, retrying');
      await sleepWithHeartbeat(wait, event.heartbeat);
    }
  }

  private async finish(event: ConsumedEvent<OutboundApproved>, entry: SendEntity, outcome: PartOutcome, segments: number): Promise<void> {
    const request = event.value.request!;
    const now = new Date();
    await this.uow.handle(event, async (manager, outbox) => {
      await manager.update(SendEntity, { outboundId: entry.outboundId }, {
        state: outcome.ok ? 'sent' : 'failed',
        attempts: entry.attempts,
        errorCode: outcome.ok ? null : ErrorCode[outcome.error.code ?? ErrorCode.UNKNOWN] ?? 'UNKNOWN',
        updatedAt: now,
      });
      const base = {
        channel: request.channel,
        conversationId: request.conversationId,
        outboundId: entry.outboundId,
        occurredAt: timestampFromDate(now),
        channelUserId: request.recipient?.channelUserId ?? '',
        accountId: request.accountId,
      };
      // Parts the provider accepted were sent, even when a later part then failed: without their
      // SENT status (and provider id) the customer has a message Omni's history never shows, and
      // its delivery/read receipts have nothing to attach to.
      for (const providerMessageId of entry.providerMessageIds) {
        const id = randomUUID();
        outbox.add(Topics.messageStatus, request.conversationId, create(MessageStatusSchema, { ...base, id, providerMessageId, state: DeliveryState.SENT, segments }), { id });
      }
      if (outcome.ok) {
        const id = randomUUID();
        outbox.add(
          Topics.outboundDispatched,
          request.conversationId,
          create(OutboundDispatchedSchema, {
            id,
            outboundId: entry.outboundId,
            conversationId: request.conversationId,
            channel: request.channel,
            providerMessageIds: entry.providerMessageIds,
            dispatchedAt: timestampFromDate(now),
            attempts: entry.attempts,
            segments,
          }),
          { id },
        );
      } else {
        const id = randomUUID();
        outbox.add(Topics.messageStatus, request.conversationId, create(MessageStatusSchema, { ...base, id, state: DeliveryState.FAILED, error: outcome.error }), { id });
      }
    });
    this.metrics.counter('omni_outbound_total', 'Approved outbounds by final outcome', ['channel', 'outcome']).inc({ channel: this.adapter.slug, outcome: outcome.ok ? 'sent' : 'failed' });
    this.logger.info({ outboundId: entry.outboundId, channel: this.adapter.slug, outcome: outcome.ok ? 'sent' : 'failed', parts: entry.providerMessageIds.length, attempts: entry.attempts }, 'outbound finished');
  }
}
