/**
 * Shared by the X and SMS e2e specs: publishing approved outbounds the way window-policy does,
 * waiting for everything the normalizer derived from one raw webhook, and problem+json checks.
 */
import { randomUUID } from 'node:crypto';
import {
  create,
  OutboundApprovedSchema,
  Topics,
  type Channel,
  type ConsentChanged,
  type Message,
  type MessageInitShape,
  type MessageStatus,
  type OutboundApproved,
  type OutboundContentSchema,
} from '@omni/contracts';
import { EventPublisher, KafkaConnection } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { testEnv, waitFor, type KafkaTap } from '@omni/testing';

/** Publishes onto `<prefix>omni.outbound.approved.v1` as window-policy would. */
export class ApprovedPublisher {
  private constructor(
    private readonly connection: KafkaConnection,
    private readonly publisher: EventPublisher,
  ) {}

  static create(prefix: string): ApprovedPublisher {
    const connection = new KafkaConnection({ brokers: testEnv().kafkaBrokers, service: 'e2e', topicPrefix: prefix }, createLogger({ service: 'e2e', level: 'silent' }));
    return new ApprovedPublisher(connection, new EventPublisher(connection));
  }

  async publish(approved: OutboundApproved): Promise<void> {
    await this.publisher.publish(Topics.outboundApproved, approved.request!.conversationId, approved, { id: approved.id });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** An approved outbound with fresh ids (the outbound id is the request id). */
export function approvedOutbound(init: {
  channel: Channel;
  accountId: string;
  recipient: string;
  content: MessageInitShape<typeof OutboundContentSchema>;
}): OutboundApproved {
  const requestId = randomUUID();
  return create(OutboundApprovedSchema, {
    id: randomUUID(),
    request: {
      id: requestId,
      conversationId: randomUUID(),
      channel: init.channel,
      accountId: init.accountId,
      recipient: { channelUserId: init.recipient },
      authorId: 'agent-e2e',
      authorIsHuman: true,
      content: init.content,
    },
  });
}

export interface DerivedEvents {
  messages: Message[];
  statuses: MessageStatus[];
  consents: ConsentChanged[];
}

/**
 * Everything the normalizer published for one raw record: messages and statuses carry its raw id;
 * consent events carry the provider message id instead (`consentIds`). Waits until at least the
 * expected number of each is there.
 */
export async function derivedFrom(
  tap: KafkaTap,
  rawId: string,
  expected: { messages: number; statuses: number; consents: number; consentIds?: readonly string[]; label?: string },
  timeoutMs = 20_000,
): Promise<DerivedEvents> {
  const collect = (): DerivedEvents => ({
    messages: tap.all(Topics.messageNormalized).map((r) => r.value).filter((m) => m.raw?.rawId === rawId),
    statuses: tap.all(Topics.messageStatus).map((r) => r.value).filter((s) => s.raw?.rawId === rawId),
    consents: expected.consentIds?.length ? tap.all(Topics.consentChanged).map((r) => r.value).filter((c) => expected.consentIds!.includes(c.providerMessageId)) : [],
  });
  try {
    return await waitFor(
      () => {
        const found = collect();
        return found.messages.length >= expected.messages && found.statuses.length >= expected.statuses && found.consents.length >= expected.consents ? found : undefined;
      },
      { timeoutMs, description: `the normalizer's events for ${expected.label ?? 'raw record'} ${rawId}` },
    );
  } catch (err) {
    const found = collect();
    const counts = { messages: found.messages.length, statuses: found.statuses.length, consents: found.consents.length };
    throw new Error(`${(err as Error).message}: wanted ${JSON.stringify({ messages: expected.messages, statuses: expected.statuses, consents: expected.consents })}, got ${JSON.stringify(counts)}`);
  }
}

/** A response is RFC 9457 problem+json with this status. */
export async function expectProblem(response: Response, status: number): Promise<{ status: number; title: string; detail?: string }> {
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status, type: expect.stringContaining('application/problem+json') });
  const problem = (await response.json()) as { status: number; title: string; detail?: string };
  expect(problem.status).toBe(status);
  expect(problem.title).toBeTruthy();
  return problem;
}
