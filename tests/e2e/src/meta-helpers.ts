import { randomUUID } from 'node:crypto';
import {
  create,
  DeliveryState,
  OutboundApprovedSchema,
  timestampFromDate,
  timestampMs,
  Topics,
  type Channel,
  type ConsentChanged,
  type ConsentState,
  type DeliveryPolicy_MessagingType,
  type Message,
  type MessageInitShape,
  type MessageStatus,
  type OutboundApproved,
  type OutboundContentSchema,
  type OutboundDispatched,
  type RawInbound,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { KafkaTap, metaGraph, testEnv, waitFor, type TappedRecord } from '@omni/testing';
import { startOmni, TEST_SECRETS, type Omni } from './harness';

/**
 * Shared by the Messenger and WhatsApp e2e specs: one gateway plus the normalizer on the run's
 * real Kafka and PostgreSQL, the fake Graph API (real HTTP) the gateway sends to, a tap on the
 * topics they publish, and a producer for approved outbounds (what window-policy would publish).
 * Each spec starts its own stack, so it has its own topic prefix.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const TAPPED_TOPICS = [Topics.inboundRaw, Topics.messageNormalized, Topics.messageStatus, Topics.consentChanged, Topics.outboundDispatched];

export type MetaGateway = 'gateway-messenger' | 'gateway-whatsapp';

export interface MetaStack {
  omni: Omni;
  graph: metaGraph.FakeMetaGraph;
  tap: KafkaTap;
  /** The gateway's webhook URL (`/webhooks/messenger` or `/webhooks/whatsapp`). */
  webhookUrl: string;
  /** POST a body signed as Meta would (Buffers and strings byte for byte). */
  post(body: Buffer | string | object, signature?: metaGraph.PostWebhookOptions['signature']): Promise<metaGraph.HttpResult>;
  /** Publish an approval on omni.outbound.approved.v1 (keyed by conversation), with this ce_id. */
  publishApproved(approved: OutboundApproved, ceId?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startMetaStack(gateway: MetaGateway, options: { whatsappPhoneNumberIds?: string[] } = {}): Promise<MetaStack> {
  const graph = new metaGraph.FakeMetaGraph({
    messengerPageAccessToken: TEST_SECRETS.MESSENGER_PAGE_ACCESS_TOKEN,
    whatsappAccessToken: TEST_SECRETS.WHATSAPP_ACCESS_TOKEN,
    whatsappPhoneNumberIds: options.whatsappPhoneNumberIds,
  });
  const baseUrl = await graph.start();
  const env = {
    META_GRAPH_API_BASE_URL: baseUrl,
    // Retried sends and handler retries in milliseconds, so a rate-limit-then-success case is quick.
    GATEWAY_RETRY_BASE_MS: '20',
    KAFKA_HANDLER_RETRY_BASE_MS: '20',
  };
  let omni: Omni;
  try {
    omni = await startOmni([gateway, 'normalizer'], env);
  } catch (err) {
    await graph.stop();
    throw err;
  }
  const brokers = testEnv().kafkaBrokers;
  const tap = await new KafkaTap(brokers, omni.prefix, TAPPED_TOPICS).start();
  const connection = new KafkaConnection({ brokers, service: 'e2e', topicPrefix: omni.prefix }, createLogger({ service: 'e2e', level: 'silent' }));
  const publisher = new EventPublisher(connection);
  const webhookUrl = `${omni.url(gateway)}/webhooks/${gateway === 'gateway-messenger' ? 'messenger' : 'whatsapp'}`;

  return {
    omni,
    graph,
    tap,
    webhookUrl,
    post: (body, signature = 'valid') => metaGraph.postSignedWebhook(webhookUrl, body, { appSecret: TEST_SECRETS.META_APP_SECRET, signature }),
    publishApproved: async (approved, ceId = randomUUID()) => {
      await publisher.publish(Topics.outboundApproved, approved.request!.conversationId, approved, { id: ceId });
    },
    stop: async () => {
      await Promise.allSettled([tap.stop(), connection.close()]);
      await omni.stop();
      await graph.stop();
    },
  };
}

// ------------------------------------------------------------------ inbound: fixture → canonical

/** The raw records on omni.inbound.raw.v1 whose body is exactly these bytes, in arrival order. */
export function rawRecordsOf(tap: KafkaTap, body: Buffer) {
  return tap.all(Topics.inboundRaw).filter((r) => Buffer.from(r.value.body).equals(body));
}

export async function rawRecordOf(tap: KafkaTap, body: Buffer) {
  return tap.waitFor(Topics.inboundRaw, (r) => Buffer.from(r.body).equals(body));
}

type ContentExpectation = { case: string; value?: Record<string, unknown> };

/** One canonical event a fixture must produce, with the fields that matter for its kind. */
export type Expected =
  | {
      /** Provider message id (a RegExp for the parser's digest-based synthetic ids). */
      message: string | RegExp;
      content: ContentExpectation;
      /** More fields of the canonical Message (toMatchObject). */
      match?: Record<string, unknown>;
    }
  | {
      status: DeliveryState;
      /** '' for watermark receipts. */
      providerMessageId: string;
      watermarkMs?: number;
      match?: Record<string, unknown>;
    }
  | { consent: ConsentState; match: Record<string, unknown> };

export const message = (id: string | RegExp, content: ContentExpectation, match?: Record<string, unknown>): Expected => ({ message: id, content, match });
export const status = (state: DeliveryState, providerMessageId: string, extra: { watermarkMs?: number; match?: Record<string, unknown> } = {}): Expected => ({
  status: state,
  providerMessageId,
  ...extra,
});
export const consent = (state: ConsentState, match: Record<string, unknown>): Expected => ({ consent: state, match });

const idMatches = (id: string | RegExp, actual: string) => (typeof id === 'string' ? id === actual : id.test(actual));

export interface CanonicalOutput {
  raw: TappedRecord<RawInbound>;
  messages: Array<TappedRecord<Message>>;
  statuses: Array<TappedRecord<MessageStatus>>;
  consents: Array<TappedRecord<ConsentChanged>>;
}

/**
 * Waits until the normalizer published every expected event for the raw record of `body`
 * (messages and statuses carry the raw record's id; consent events are matched by their fields),
 * then checks each one and that there is nothing more: same number of messages and statuses as
 * expected.
 */
export async function expectCanonical(tap: KafkaTap, fixture: string, body: Buffer, channel: Channel, expected: Expected[]): Promise<CanonicalOutput> {
  const raw = await rawRecordOf(tap, body);
  const rawId = raw.value.id;
  const mine = <T extends { raw?: { rawId: string } }>(records: Array<TappedRecord<T>>) => records.filter((r) => r.value.raw?.rawId === rawId);
  const wantedMessages = expected.filter((e): e is Extract<Expected, { message: unknown }> => 'message' in e);
  const wantedStatuses = expected.filter((e): e is Extract<Expected, { status: unknown }> => 'status' in e);
  const wantedConsents = expected.filter((e): e is Extract<Expected, { consent: unknown }> => 'consent' in e);
  const consentsFor = () =>
    wantedConsents.map((want) => tap.all(Topics.consentChanged).find((c) => c.value.state === want.consent && matches(c.value, want.match)));

  await waitFor(
    () =>
      mine(tap.all(Topics.messageNormalized)).length >= wantedMessages.length &&
      mine(tap.all(Topics.messageStatus)).length >= wantedStatuses.length &&
      consentsFor().every(Boolean),
    {
      timeoutMs: 20_000,
      description: `${fixture}: ${wantedMessages.length} normalized message(s), ${wantedStatuses.length} status(es), ${wantedConsents.length} consent event(s)`,
    },
  );
  const messages = mine(tap.all(Topics.messageNormalized));
  const statuses = mine(tap.all(Topics.messageStatus));
  const consents = consentsFor() as Array<TappedRecord<ConsentChanged>>;

  expect({ fixture, messages: messages.length, statuses: statuses.length }).toEqual({ fixture, messages: wantedMessages.length, statuses: wantedStatuses.length });

  for (const want of wantedMessages) {
    const found = messages.filter((m) => idMatches(want.message, m.value.providerMessageId));
    expect({ fixture, id: String(want.message), found: found.length }).toEqual({ fixture, id: String(want.message), found: 1 });
    const record = found[0]!;
    expect(record.value).toMatchObject({ channel, content: { kind: want.content }, ...(want.match ?? {}) });
    // What the normalizer adds: ids, the conversation (also the record key), the raw reference.
    expect(record.value.id).toMatch(UUID);
    expect(record.value.conversationId).toMatch(UUID);
    expect(record.value.contactId).toMatch(UUID);
    expect(record.key).toBe(record.value.conversationId);
    expect(record.value.raw?.topic).toBe(Topics.inboundRaw.name);
    if (want.content.case === 'unsupported') {
      // Kept whole: the provider's JSON for the event, never dropped.
      const json = (record.value.content?.kind.value as { providerJson: string }).providerJson;
      expect(typeof JSON.parse(json)).toBe('object');
    }
  }
  for (const want of wantedStatuses) {
    const found = statuses.filter((s) => s.value.state === want.status && s.value.providerMessageId === want.providerMessageId && matches(s.value, want.match));
    expect({ fixture, state: DeliveryState[want.status], id: want.providerMessageId, found: found.length }).toEqual({
      fixture,
      state: DeliveryState[want.status],
      id: want.providerMessageId,
      found: 1,
    });
    const record = found[0]!;
    expect(record.value).toMatchObject({ channel, ...(want.match ?? {}) });
    if (want.watermarkMs !== undefined) expect(timestampMs(record.value.watermark)).toBe(want.watermarkMs);
    expect(record.value.id).toMatch(UUID);
  }
  for (const [i, want] of wantedConsents.entries()) {
    expect(consents[i]!.value).toMatchObject({ channel, ...want.match });
    expect(consents[i]!.value.contactId).toMatch(UUID);
    expect(consents[i]!.key).toBe(consents[i]!.value.contactId);
  }
  return { raw, messages, statuses, consents };
}

/**
 * After every fixture was checked: each raw record still has exactly its expected messages and
 * statuses (a late extra record from any fixture would show here).
 */
export function expectNothingMore(tap: KafkaTap, table: Record<string, Expected[]>, rawIds: Map<string, string>): void {
  const count = (records: Array<TappedRecord<{ raw?: { rawId: string } }>>, rawId: string) => records.filter((r) => r.value.raw?.rawId === rawId).length;
  const actual = Object.keys(table).map((fixture) => {
    const rawId = rawIds.get(fixture) ?? '(not posted)';
    return { fixture, messages: count(tap.all(Topics.messageNormalized), rawId), statuses: count(tap.all(Topics.messageStatus), rawId) };
  });
  const expected = Object.entries(table).map(([fixture, events]) => ({
    fixture,
    messages: events.filter((e) => 'message' in e).length,
    statuses: events.filter((e) => 'status' in e).length,
  }));
  expect(actual).toEqual(expected);
}

/** Does `value` have these fields (deep, like toMatchObject)? For picking records, not asserting. */
function matches(value: unknown, subset: Record<string, unknown> | undefined): boolean {
  if (!subset) return true;
  return Object.entries(subset).every(([key, want]) => {
    const actual = (value as Record<string, unknown> | undefined)?.[key];
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) return matches(actual, want as Record<string, unknown>);
    return actual === want;
  });
}

// ------------------------------------------------------------------ outbound: approval → provider

export type OutboundContentInit = MessageInitShape<typeof OutboundContentSchema>;

export interface ApprovalInit {
  channel: Channel;
  accountId: string;
  recipient: string;
  content: OutboundContentInit;
  messagingType?: DeliveryPolicy_MessagingType;
  tag?: string;
  replyToProviderMessageId?: string;
  conversationId?: string;
  /** The request id (the outbound id); random when not given. */
  outboundId?: string;
}

/** An approval as window-policy publishes it; the request id is the outbound id gateways key sends by. */
export function approval(init: ApprovalInit): OutboundApproved {
  const now = new Date();
  return create(OutboundApprovedSchema, {
    id: randomUUID(),
    request: {
      id: init.outboundId ?? randomUUID(),
      conversationId: init.conversationId ?? randomUUID(),
      channel: init.channel,
      accountId: init.accountId,
      recipient: { channelUserId: init.recipient },
      authorId: 'agent-ana',
      authorIsHuman: true,
      content: init.content,
      requestedAt: timestampFromDate(now),
      replyToProviderMessageId: init.replyToProviderMessageId,
    },
    policy: init.messagingType !== undefined ? { messagingType: init.messagingType, tag: init.tag ?? '' } : undefined,
    approvedAt: timestampFromDate(now),
  });
}

export interface SendResults {
  sent: Array<TappedRecord<MessageStatus>>;
  failed: Array<TappedRecord<MessageStatus>>;
  dispatched: Array<TappedRecord<OutboundDispatched>>;
}

/** What the gateway published about one outbound (by outbound id = request id). */
export function sendResults(tap: KafkaTap, outboundId: string): SendResults {
  const statuses = tap.all(Topics.messageStatus).filter((s) => s.value.outboundId === outboundId && s.headers.ce_source?.startsWith('omni/gateway-'));
  return {
    sent: statuses.filter((s) => s.value.state === DeliveryState.SENT),
    failed: statuses.filter((s) => s.value.state === DeliveryState.FAILED),
    dispatched: tap.all(Topics.outboundDispatched).filter((d) => d.value.outboundId === outboundId),
  };
}

/**
 * Waits for the gateway's final word on an outbound: its dispatched record and the sent status of
 * every provider id it names (one transaction, but two topics the tap may read in either order),
 * or its failed status.
 */
export async function settled(tap: KafkaTap, outboundId: string, outcome: 'dispatched' | 'failed'): Promise<SendResults> {
  await waitFor(
    () => {
      const results = sendResults(tap, outboundId);
      if (outcome === 'failed') return results.failed.length > 0;
      const dispatched = results.dispatched[0];
      return dispatched !== undefined && results.sent.length >= dispatched.value.providerMessageIds.length;
    },
    { timeoutMs: 20_000, description: `outbound ${outboundId} ${outcome}` },
  );
  return sendResults(tap, outboundId);
}

/** A random id for tests that need one (distinct recipients make each case's requests easy to pick). */
export function digits(count: number): string {
  return Array.from({ length: count }, () => Math.floor(Math.random() * 10)).join('');
}
