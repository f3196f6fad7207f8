import { Inject, Controller } from '@nestjs/common';
import type { ChannelEvent } from '@omni/channel-sdk';
import { channelSlug, create, Direction, RawRefSchema, Topics, type RawInbound } from '@omni/contracts';
import { LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork, writeBufferOf, type BatchRecord, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import { InjectConfig } from '@omni/service-kit';
import type { EntityManager } from 'typeorm';
import { BatchDedupe } from './domain/batch-dedupe';
import { BatchIdentities } from './domain/batch-identities';
import { identityKeys, type IdentityKey, type IdentityOptions } from './domain/contacts';
import { Clock } from './domain/clock';
import { ingestEvent } from './domain/ingest';
import type { MessageKey } from './domain/locks';
import { pendingConversationsOf, writePendingResolutions, type PendingConversations } from './domain/conversations';
import { pendingContactsOf, type PendingContacts } from './domain/new-contacts';
import { insertMessages, type NewMessageRow } from './domain/rows';
import { channelEventsOf } from './domain/raw-events';
import type { NormalizerConfig } from './config';

/**
 * omni.inbound.raw.v1 → canonical messages, statuses and consent events. A raw record is applied
 * in one transaction with its inbox entry (a consumed batch: all its records in one), so a
 * redelivered record changes nothing; a provider's retry (a new raw record with the same provider
 * message id) is caught by the message dedupe key. In a batch, the dedupe locks and lookups of
 * all its messages, and the message rows, take one statement each for the whole batch.
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

  /** Per consumed batch (its records, as the unit of work holds them for the batch's transaction). */
  private readonly batches = new WeakMap<ReadonlyArray<BatchRecord>, BatchWork>();

  @OnTopic(Topics.inboundRaw)
  async onRaw(event: ConsumedEvent<RawInbound>): Promise<void> {
    const raw = event.value;
    const batch = this.batchWork();
    const parsed = batch?.parsed.get(event.eventId) ?? channelEventsOf(raw, event.time);
    const slug = channelSlug(raw.channel);
    const outcomes = this.metrics.counter('omni_normalizer_events_total', 'Parsed channel events by outcome', ['channel', 'outcome']);
    const unsupported = this.metrics.counter('omni_normalizer_unsupported_total', 'Events of kinds Omni keeps as unsupported', ['channel', 'provider_type']);
    const results: string[] = [];
    const applied = await this.uow.handle(event, async (manager, outbox, hooks) => {
      results.length = 0; // a retried transaction starts over
      await writePendingResolutions(manager, hooks);
      const dedupe = batch ? await batch.dedupe(manager) : undefined;
      const identities = batch ? await batch.identities(manager) : undefined;
      const contacts = batch?.contacts(manager, hooks);
      const conversations = batch?.conversations(manager, hooks);
      const messages = batch?.messages(manager, hooks);
      const ref = create(RawRefSchema, { rawId: raw.id, topic: Topics.inboundRaw.name, partition: event.partition, offset: BigInt(event.offset) });
      const context = {
        manager,
        outbox,
        raw: ref,
        receivedAt: this.clock.now(),
        policy: { reopenWindowMs: this.config.CONVERSATION_REOPEN_WINDOW_MS },
        identity: { phoneCountry: this.config.PHONE_DEFAULT_COUNTRY },
        dedupe,
        messages,
        conversations,
        identities,
        contacts,
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

  /**
   * In a consumed batch, at its first record: every record of the batch parsed, and (on first use,
   * inside the transaction) the message locks and stored-or-not lookups of all their messages in
   * two statements (BatchDedupe) instead of two per message. Undefined for a record consumed alone.
   */
  private batchWork(): BatchWork | undefined {
    const records = this.uow.batchRecords();
    if (!records || records.length < 2) return undefined;
    let work = this.batches.get(records);
    if (!work) {
      work = prepareBatch(records, { phoneCountry: this.config.PHONE_DEFAULT_COUNTRY });
      this.batches.set(records, work);
    }
    return work;
  }
}

interface BatchWork {
  /** Each raw record's channel events by event id (absent: it failed to parse, and fails again on its own turn). */
  parsed: Map<string, ChannelEvent[]>;
  dedupe: (manager: EntityManager) => Promise<BatchDedupe>;
  /** The identities of the batch's customers, looked up at once (on first use, inside the transaction). */
  identities: (manager: EntityManager) => Promise<BatchIdentities>;
  /** The batch's new messages, stored in one statement just before it commits. */
  messages: (manager: EntityManager, hooks: TransactionHooks) => WriteBuffer<NewMessageRow>;
  /** The batch's new conversations, likewise (and always before the messages that refer to them). */
  conversations: (manager: EntityManager, hooks: TransactionHooks) => PendingConversations;
  /** The contacts of its first-time customers, likewise (and always before their conversations). */
  contacts: (manager: EntityManager, hooks: TransactionHooks) => PendingContacts;
}

function prepareBatch(records: ReadonlyArray<BatchRecord>, identity: IdentityOptions): BatchWork {
  const parsed = new Map<string, ChannelEvent[]>();
  const keys: MessageKey[] = [];
  const customers: IdentityKey[] = [];
  for (const record of records) {
    if (record.topic !== Topics.inboundRaw.name || !record.value || !record.time) continue;
    let events: ChannelEvent[];
    try {
      events = channelEventsOf(record.value as RawInbound, record.time);
    } catch {
      continue; // the record-by-record replay sends it to the DLQ
    }
    parsed.set(record.eventId, events);
    for (const e of events) {
      if (e.type !== 'message') continue;
      const channel = channelSlug(e.message.channel ?? 0);
      keys.push({ channel, providerMessageId: e.message.providerMessageId ?? '', dedupeKey: e.dedupeKey });
      const customer = e.message.direction === Direction.OUTBOUND ? e.message.recipient : e.message.sender;
      try {
        if (customer?.channelUserId) customers.push(...identityKeys(channel, customer.channelUserId, identity));
      } catch {
        // Not looked up for the batch: the message looks its customer up itself (and fails there).
      }
    }
  }
  let dedupe: Promise<BatchDedupe> | undefined;
  let identities: Promise<BatchIdentities> | undefined;
  return {
    parsed,
    dedupe: (manager) => (dedupe ??= BatchDedupe.prepare(manager, keys)),
    identities: (manager) => (identities ??= BatchIdentities.prepare(manager, customers)),
    messages: (manager, hooks) =>
      writeBufferOf(hooks, 'normalizer.messages', async (rows: NewMessageRow[]) => {
        await pendingConversationsOf(manager, hooks).flush();
        await insertMessages(manager, rows);
      }),
    conversations: pendingConversationsOf,
    contacts: pendingContactsOf,
  };
}
