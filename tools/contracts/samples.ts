/**
 * One realistic value per webhook event type: the examples of docs/examples, the AsyncAPI
 * document and docs/crm-integration.md, and what the sync test validates against the generated
 * JSON Schemas (an example that does not match its schema fails the test).
 */
import {
  Channel,
  ContactErasedSchema,
  ContactLinkedSchema,
  ContactMergedSchema,
  ConversationAssignedSchema,
  ConversationOffered_Status,
  ConversationOfferedSchema,
  ConversationQueuedSchema,
  ConversationReopenedSchema,
  ConversationResolvedSchema,
  ConversationRoutedSchema,
  ConversationSla_Kind,
  ConversationSla_Status,
  ConversationSlaSchema,
  create,
  CsatRecorded_Status,
  CsatRecordedSchema,
  CustomerRefSchema,
  OutboundRejectedSchema,
  RejectionReason,
  timestampFromDate,
  Topics,
  WebhookSubscriptionDisabledSchema,
  type TopicDefinition,
} from '@omni/contracts';

const at = (iso: string) => timestampFromDate(new Date(iso));
const conversationId = '0f8d2c3e-5b1a-4f7e-9a61-2d4c8b7e1a90';
const contactId = '7c1e9a44-2b6d-4e38-8f0a-3b5d9c2e6f17';
const customerRef = create(CustomerRefSchema, {
  contactId,
  channel: Channel.WHATSAPP,
  channelUserId: '34612345678',
  accountId: '109876543210987',
  crmCustomerIds: ['cus_48213'],
  phoneE164: '+34612345678',
});
const reasons = [{ rule: 'default-queue', detail: 'no routing rule matched' }];

export interface Sample {
  topic: TopicDefinition;
  key: string;
  id: string;
  source: string;
  time: string;
  value: unknown;
}

export const SAMPLES: Sample[] = [
  {
    topic: Topics.conversationRouted,
    key: conversationId,
    id: '5f0b6f7e-1c1d-4a51-8b0e-6a8c1d2e3f40',
    source: 'omni/router',
    time: '2026-12-01T09:30:00.120Z',
    value: create(ConversationRoutedSchema, {
      id: '5f0b6f7e-1c1d-4a51-8b0e-6a8c1d2e3f40', conversationId, contactId, channel: Channel.WHATSAPP, messageId: 'a3c9e2d1-6b7f-4c58-9e0a-1d2b3c4d5e6f',
      queue: 'default', language: 'es', priority: 0, tier: 'gold', reasons, routedAt: at('2026-12-01T09:30:00.120Z'), replyDeadline: at('2026-12-02T09:29:58Z'),
      customer: { channelUserId: '34612345678', displayName: 'Ana Ruiz' }, accountId: '109876543210987', policyVersion: 'v12', customerRef, sentiment: 'neutral', inHours: true,
    }),
  },
  {
    topic: Topics.conversationQueued,
    key: conversationId,
    id: '6a1c7f8e-2d2e-4b62-9c1f-7b9d2e3f4a51',
    source: 'omni/assignment',
    time: '2026-12-01T09:30:00.180Z',
    value: create(ConversationQueuedSchema, {
      id: '6a1c7f8e-2d2e-4b62-9c1f-7b9d2e3f4a51', conversationId, queue: 'default', position: 3, reasons: [{ rule: 'no-agent-available', detail: '0 agents online with capacity' }],
      queuedAt: at('2026-12-01T09:30:00.180Z'), priority: 0, channel: Channel.WHATSAPP, contactId, customerRef,
    }),
  },
  {
    topic: Topics.conversationOffered,
    key: conversationId,
    id: '7a1c8b9e-2d3e-4c73-8d2a-8c0e3f4a5b61',
    source: 'omni/assignment',
    time: '2026-12-01T09:32:09.870Z',
    value: create(ConversationOfferedSchema, {
      id: '7a1c8b9e-2d3e-4c73-8d2a-8c0e3f4a5b61', conversationId, agentId: 'agent-ana', queue: 'default', status: ConversationOffered_Status.OFFERED,
      occurredAt: at('2026-12-01T09:32:09.870Z'), expiresAt: at('2026-12-01T09:32:39.870Z'), reasons: [{ rule: 'strategy:least-busy', detail: 'queue default: online, under capacity, skills and language match' }],
      channel: Channel.WHATSAPP, contactId, priority: 0, customerRef,
    }),
  },
  {
    topic: Topics.conversationSla,
    key: conversationId,
    id: '7c3e0d1f-4f5a-4e95-9f4b-0e2a5b6c7d82',
    source: 'omni/assignment',
    time: '2026-12-01T09:35:00.000Z',
    value: create(ConversationSlaSchema, {
      id: '7c3e0d1f-4f5a-4e95-9f4b-0e2a5b6c7d82', conversationId, queue: 'default', agentId: 'agent-ana', kind: ConversationSla_Kind.FIRST_RESPONSE, status: ConversationSla_Status.BREACHED,
      dueAt: at('2026-12-01T09:35:00.000Z'), occurredAt: at('2026-12-01T09:35:00.000Z'), priority: 5, reasons: [{ rule: 'sla-breached', detail: 'first response due 300 s after routing' }],
      channel: Channel.WHATSAPP, contactId, customerRef,
    }),
  },
  {
    topic: Topics.conversationAssigned,
    key: conversationId,
    id: '7b2d8a9f-3e3f-4c73-8d2a-8c0e3f4a5b62',
    source: 'omni/assignment',
    time: '2026-12-01T09:32:10.004Z',
    value: create(ConversationAssignedSchema, {
      id: '7b2d8a9f-3e3f-4c73-8d2a-8c0e3f4a5b62', conversationId, agentId: 'agent-ana', agentDisplayName: 'Ana', queue: 'default',
      reasons: [...reasons, { rule: 'queue-drain', detail: 'agent-ana gained capacity' }], assignedAt: at('2026-12-01T09:32:10.004Z'), waitMs: BigInt(129884),
      channel: Channel.WHATSAPP, contactId, priority: 0, customerRef,
    }),
  },
  {
    topic: Topics.conversationResolved,
    key: conversationId,
    id: '8c3e9bae-4f40-4d84-9e3b-9d1f4a5b6c73',
    source: 'omni/assignment',
    time: '2026-12-01T09:41:55.900Z',
    value: create(ConversationResolvedSchema, {
      id: '8c3e9bae-4f40-4d84-9e3b-9d1f4a5b6c73', conversationId, agentId: 'agent-ana', resolvedAt: at('2026-12-01T09:41:55.900Z'), resolution: 'solved',
      handleMs: BigInt(585896), channel: Channel.WHATSAPP, contactId, customerRef,
    }),
  },
  {
    topic: Topics.conversationReopened,
    key: conversationId,
    id: '9d4fabbf-5041-4e95-8f4c-0e2a5b6c7d84',
    source: 'omni/normalizer',
    time: '2026-12-01T10:05:12.000Z',
    value: create(ConversationReopenedSchema, {
      id: '9d4fabbf-5041-4e95-8f4c-0e2a5b6c7d84', conversationId, contactId, channel: Channel.WHATSAPP, messageId: 'b4dae3e2-7c80-4d69-8f1b-2e3c4d5e6f70',
      reopenedAt: at('2026-12-01T10:05:12Z'), reopenCount: 1, customerRef,
    }),
  },
  {
    topic: Topics.csatRecorded,
    key: conversationId,
    id: 'ae50bcc0-6152-4fa6-9a5d-1f3b6c7d8e95',
    source: 'omni/assignment',
    time: '2026-12-01T09:45:00.000Z',
    value: create(CsatRecordedSchema, {
      id: 'ae50bcc0-6152-4fa6-9a5d-1f3b6c7d8e95', conversationId, contactId, agentId: 'agent-ana', queue: 'default', channel: Channel.WHATSAPP, score: 5,
      comment: '', status: CsatRecorded_Status.ANSWERED, recordedAt: at('2026-12-01T09:45:00Z'), customerRef,
    }),
  },
  {
    topic: Topics.outboundRejected,
    key: conversationId,
    id: 'bf61cdd1-7263-40b7-8b6e-204c7d8e9fa6',
    source: 'omni/window-policy',
    time: '2026-12-03T11:00:00.000Z',
    value: create(OutboundRejectedSchema, {
      id: 'bf61cdd1-7263-40b7-8b6e-204c7d8e9fa6',
      request: { id: 'c072dee2-8374-41c8-9c7f-315d8e9fab07', conversationId, channel: Channel.WHATSAPP, contactId },
      reason: RejectionReason.WINDOW_CLOSED, detail: 'outside the 24-hour window: only a registered template may be sent',
      rejectedAt: at('2026-12-03T11:00:00Z'), reasons: [{ rule: 'whatsapp-template-required', detail: '' }],
    }),
  },
  {
    topic: Topics.contactErased,
    key: contactId,
    id: 'd183eff3-9485-42d9-8d80-426e9fabc018',
    source: 'omni/normalizer',
    time: '2026-12-20T08:00:00.000Z',
    value: create(ContactErasedSchema, { id: 'd183eff3-9485-42d9-8d80-426e9fabc018', contactId, conversationIds: [conversationId], erasedAt: at('2026-12-20T08:00:00Z'), requestedBy: 'crm:salesforce' }),
  },
  {
    topic: Topics.contactLinked,
    key: contactId,
    id: 'e29400a4-a596-43ea-9e91-537fabcd1129',
    source: 'omni/normalizer',
    time: '2026-12-01T09:20:00.000Z',
    value: create(ContactLinkedSchema, {
      id: 'e29400a4-a596-43ea-9e91-537fabcd1129', contactId, crmCustomerId: 'cus_48213', mergedContactIds: ['3a9f0b12-4c5d-4e6f-8a7b-9c0d1e2f3a4b'], created: false,
      identities: [{ namespace: 'whatsapp', value: '34612345678' }, { namespace: 'phone', value: '+34612345678' }, { namespace: 'crm', value: 'cus_48213' }],
      crmCustomerIds: ['cus_48213'], phoneE164: '+34612345678', linkedAt: at('2026-12-01T09:20:00Z'),
    }),
  },
  {
    topic: Topics.contactMerged,
    key: '3a9f0b12-4c5d-4e6f-8a7b-9c0d1e2f3a4b',
    id: 'f3a511b5-b6a7-44fb-8fa2-648abcde223a',
    source: 'omni/normalizer',
    time: '2026-12-01T09:20:00.000Z',
    value: create(ContactMergedSchema, {
      id: 'f3a511b5-b6a7-44fb-8fa2-648abcde223a', survivingContactId: contactId, mergedContactId: '3a9f0b12-4c5d-4e6f-8a7b-9c0d1e2f3a4b', cause: 'crm-link',
      crmCustomerId: 'cus_48213', mergedAt: at('2026-12-01T09:20:00Z'),
    }),
  },
  {
    topic: Topics.webhookDisabled,
    key: '2b8c4d6e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
    id: '04b622c6-c7b8-45ac-9fb3-759bcdef334b',
    source: 'omni/crm-webhooks',
    time: '2026-12-02T09:30:00.000Z',
    value: create(WebhookSubscriptionDisabledSchema, {
      id: '04b622c6-c7b8-45ac-9fb3-759bcdef334b', subscriptionId: '2b8c4d6e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', endpointOrigin: 'https://crm.example.com',
      reason: 'retries-exhausted', detail: 'failing for 24 h, last: HTTP 503', failingSince: at('2026-12-01T09:30:00Z'), disabledAt: at('2026-12-02T09:30:00Z'), deadLetters: 1,
    }),
  },
];
