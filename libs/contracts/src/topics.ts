import type { DescMessage } from '@bufbuild/protobuf';
import { RawInboundSchema } from './gen/omni/v1/raw_pb';
import { MessageSchema, MessageStatusSchema } from './gen/omni/v1/message_pb';
import {
  ConversationAssignedSchema,
  ConversationOfferedSchema,
  ConversationQueuedSchema,
  ConversationResolvedSchema,
  ConversationRoutedSchema,
  ConversationSlaSchema,
} from './gen/omni/v1/conversation_pb';
import {
  OutboundApprovedSchema,
  OutboundDispatchedSchema,
  OutboundRejectedSchema,
  OutboundRequestedSchema,
} from './gen/omni/v1/outbound_pb';
import { AgentPresenceSchema } from './gen/omni/v1/agent_pb';
import { WindowExpiringSchema } from './gen/omni/v1/window_pb';
import { ConsentChangedSchema } from './gen/omni/v1/consent_pb';
import { ContactErasedSchema, ContactLinkedSchema, ContactMergedSchema } from './gen/omni/v1/contact_pb';
import { ConversationReopenedSchema } from './gen/omni/v1/conversation_pb';
import { WebhookSubscriptionDisabledSchema } from './gen/omni/v1/webhook_pb';
import { CsatRecordedSchema } from './gen/omni/v1/csat_pb';
import { NotificationRefusedSchema, OutboundDeferredSchema } from './gen/omni/v1/notification_pb';

/**
 * One Kafka topic: its logical name, what the record key is, and the protobuf type of the value.
 * Services never write topic names as strings; they use `Topics.<name>`.
 */
export interface TopicDefinition<S extends DescMessage = DescMessage> {
  readonly name: string;
  readonly schema: S;
  /** What the record key holds; per-key order is what consumers can rely on. */
  readonly key: 'channel-thread' | 'conversation-id' | 'agent-id' | 'contact-id' | 'outbound-id' | 'subscription-id';
  /** Default partition count when Omni provisions the topic (overridable by env). */
  readonly partitions: number;
  /** CloudEvents `ce_type` written on every record. */
  readonly ceType: string;
  readonly description: string;
  /**
   * `retention.ms` Omni sets when it creates the topic (and its `.dlq` twin). Operators override
   * it per topic with KAFKA_TOPIC_RETENTION_MS; docs/crm-integration.md lists the defaults.
   */
  readonly retentionMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Conversation, outbound and contact events: two weeks covers a CRM outage and its backfill. */
export const DEFAULT_RETENTION_MS = 14 * DAY_MS;
/**
 * Raw webhooks and normalized messages are the replayable log (re-normalize after a parser fix,
 * rebuild history, re-route with a draft policy): a month by default.
 */
export const LOG_RETENTION_MS = 30 * DAY_MS;

function topic<S extends DescMessage>(
  name: string,
  schema: S,
  key: TopicDefinition['key'],
  description: string,
  partitions = 6,
  retentionMs = DEFAULT_RETENTION_MS,
): TopicDefinition<S> {
  return { name, schema, key, partitions, ceType: `${schema.typeName}`, description, retentionMs };
}

export const Topics = {
  inboundRaw: topic('omni.inbound.raw.v1', RawInboundSchema, 'channel-thread', 'Provider webhooks, raw bytes kept', 6, LOG_RETENTION_MS),
  messageNormalized: topic('omni.message.normalized.v1', MessageSchema, 'conversation-id', 'Canonical messages, deduplicated', 6, LOG_RETENTION_MS),
  messageStatus: topic('omni.message.status.v1', MessageStatusSchema, 'conversation-id', 'Delivery/read/failed receipts and send results'),
  conversationRouted: topic('omni.conversation.routed.v1', ConversationRoutedSchema, 'conversation-id', 'Routing decisions with reasons'),
  conversationQueued: topic('omni.conversation.queued.v1', ConversationQueuedSchema, 'conversation-id', 'Waiting for an agent'),
  conversationAssigned: topic('omni.conversation.assigned.v1', ConversationAssignedSchema, 'conversation-id', 'Agent assignments'),
  conversationResolved: topic('omni.conversation.resolved.v1', ConversationResolvedSchema, 'conversation-id', 'Resolved conversations'),
  outboundRequested: topic('omni.outbound.requested.v1', OutboundRequestedSchema, 'conversation-id', 'Replies asked for by agents/bots'),
  outboundApproved: topic('omni.outbound.approved.v1', OutboundApprovedSchema, 'conversation-id', 'Replies cleared by window-policy'),
  outboundRejected: topic('omni.outbound.rejected.v1', OutboundRejectedSchema, 'conversation-id', 'Refused replies, reason and alternatives'),
  outboundDispatched: topic('omni.outbound.dispatched.v1', OutboundDispatchedSchema, 'conversation-id', 'Replies accepted by the provider'),
  agentPresence: topic('omni.agent.presence.v1', AgentPresenceSchema, 'agent-id', 'Agent online/away/offline and capacity'),
  windowExpiring: topic('omni.window.expiring.v1', WindowExpiringSchema, 'conversation-id', 'Reply windows about to close'),
  consentChanged: topic('omni.consent.changed.v1', ConsentChangedSchema, 'contact-id', 'Opt-out/opt-in per contact and channel'),
  contactErased: topic('omni.contact.erased.v1', ContactErasedSchema, 'contact-id', 'Contact erasures: the normalizer deleted its rows, each consumer drops what it holds'),
  csatRecorded: topic('omni.csat.recorded.v1', CsatRecordedSchema, 'conversation-id', 'CSAT answers, and surveys that could not be sent'),
  outboundDeferred: topic('omni.outbound.deferred.v1', OutboundDeferredSchema, 'conversation-id', 'Outbounds held back (quiet hours, pacing) until a time'),
  notificationRefused: topic('omni.notification.refused.v1', NotificationRefusedSchema, 'contact-id', 'Proactive notifications no channel could carry, a reason per channel'),
  conversationOffered: topic('omni.conversation.offered.v1', ConversationOfferedSchema, 'conversation-id', 'Offers to agents: offered, accepted, declined, expired, withdrawn'),
  conversationSla: topic('omni.conversation.sla.v1', ConversationSlaSchema, 'conversation-id', 'First/next response SLA warnings and breaches'),
  contactLinked: topic('omni.contact.linked.v1', ContactLinkedSchema, 'contact-id', 'A CRM customer id linked to a contact (after any merges it caused)'),
  contactMerged: topic('omni.contact.merged.v1', ContactMergedSchema, 'contact-id', 'A contact merged into a survivor; keyed by the merged id'),
  conversationReopened: topic('omni.conversation.reopened.v1', ConversationReopenedSchema, 'conversation-id', 'A resolved conversation reopened by a new customer message'),
  webhookDisabled: topic('omni.webhook.disabled.v1', WebhookSubscriptionDisabledSchema, 'subscription-id', 'CRM webhook subscriptions disabled after persistent failure', 1),
} as const;

export type TopicName = keyof typeof Topics;
export const ALL_TOPICS: readonly TopicDefinition[] = Object.values(Topics);

/**
 * Every topic has a dead-letter twin with the same partitioning. Caveat for consumers: a regex
 * subscription such as `omni\.conversation\..*` also matches the twins (`….v1.dlq`); anchor it
 * (`^omni\.conversation\.[a-z]+\.v\d+$`) or use `isDlqTopic` to skip them.
 */
export function dlqTopicName(name: string): string {
  return `${name}.dlq`;
}

export function isDlqTopic(name: string): boolean {
  return name.endsWith('.dlq');
}
