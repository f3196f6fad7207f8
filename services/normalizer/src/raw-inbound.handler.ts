import { Inject, Controller } from '@nestjs/common';
import { MalformedPayloadError, reasonOf, storableEvents, unreadableEvent } from '@omni/channel-sdk';
import { channelSlug, create, RawRefSchema, timestampDate, Topics, type RawInbound } from '@omni/contracts';
import { LOGGER, NonRetryableError, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { InjectConfig } from '@omni/service-kit';
import { Clock } from './domain/clock';
import { ingestEvent } from './domain/ingest';
import { PARSERS } from './domain/parsers';
import type { NormalizerConfig } from './config';

/**
 * omni.inbound.raw.v1 → canonical messages, statuses and consent events. One raw record is applied
 * in one transaction with its inbox entry, so a redelivered record changes nothing; a provider's
 * retry (a new raw record with the same provider message id) is caught by the message dedupe key.
 */
@Controller()
export class RawInboundHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @InjectConfig() private readonly config: NormalizerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnTopic(Topics.inboundRaw)
  async onRaw(event: ConsumedEvent<RawInbound>): Promise<void> {
    const raw = event.value;
    const parser = PARSERS.get(raw.channel);
    if (!parser) throw new NonRetryableError(`no parser for channel ${raw.channel}`);
    let parsed;
    try {
      parsed = parser.parse({
        accountId: raw.accountId,
        body: Buffer.from(raw.body),
        contentType: raw.contentType,
        webhookPath: raw.webhookPath,
        receivedAt: raw.receivedAt ? timestampDate(raw.receivedAt) : event.time,
        headers: raw.headers,
      });
    } catch (err) {
      // Parsing is pure: a retry would fail the same way, so never block the partition retrying it.
      // Parsers keep unreadable items as events (totalEvents); this is only for a body as a whole.
      throw new NonRetryableError(`unparseable ${channelSlug(raw.channel)} webhook: ${err instanceof MalformedPayloadError ? err.message : reasonOf(err)}`);
    }
    // Whatever the parser gave, only storable events go on: the others are kept as unreadable.
    parsed = storableEvents(parsed, (bad, reason) =>
      unreadableEvent({
        channel: raw.channel,
        accountId: raw.accountId || (bad.type === 'message' ? bad.message.accountId : bad.type === 'status' ? bad.status.accountId : bad.consent.accountId) || '',
        providerType: bad.type,
        json: bad.type === 'message' ? bad.message : bad.type === 'status' ? bad.status : bad.consent,
        receivedAt: raw.receivedAt ? timestampDate(raw.receivedAt) : event.time,
        reason,
      }),
    );
    const slug = channelSlug(raw.channel);
    const outcomes = this.metrics.counter('omni_normalizer_events_total', 'Parsed channel events by outcome', ['channel', 'outcome']);
    const unsupported = this.metrics.counter('omni_normalizer_unsupported_total', 'Events of kinds Omni keeps as unsupported', ['channel', 'provider_type']);
    const results: string[] = [];
    const applied = await this.uow.handle(event, async (manager, outbox) => {
      results.length = 0; // a retried transaction starts over
      const ref = create(RawRefSchema, { rawId: raw.id, topic: Topics.inboundRaw.name, partition: event.partition, offset: BigInt(event.offset) });
      const context = {
        manager,
        outbox,
        raw: ref,
        receivedAt: this.clock.now(),
        policy: { reopenWindowMs: this.config.CONVERSATION_REOPEN_WINDOW_MS },
        identity: { phoneCountry: this.config.PHONE_DEFAULT_COUNTRY },
      };
      for (const channelEvent of parsed) results.push(await ingestEvent(context, channelEvent));
    });
    if (applied === 'duplicate') {
      outcomes.inc({ channel: slug, outcome: 'redelivered' });
      this.logger.debug({ rawId: raw.id, channel: slug }, 'raw record redelivered, already applied');
      return;
    }
    for (const [index, outcome] of results.entries()) {
      outcomes.inc({ channel: slug, outcome });
      const e = parsed[index]!;
      if (outcome === 'message' && e.type === 'message' && e.message.content?.kind?.case === 'unsupported') {
        unsupported.inc({ channel: slug, provider_type: (e.message.content.kind.value as { providerType?: string }).providerType ?? 'unknown' });
      }
    }
    this.logger.debug({ rawId: raw.id, channel: slug, events: parsed.length, outcomes: results }, 'raw record normalized');
  }
}
