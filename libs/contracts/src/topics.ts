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
import { ContactErasedSchema } from './gen/omni/v1/contact_pb';
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
  readonly key: 'channel-thread' | 'conversation-id' | 'agent-id' | 'contact-id' | 'outbound-id';
  /** Default partition count when Omni provisions the topic (overridable by env). */
  readonly partitions: number;
  /** CloudEvents `ce_type` written on every record. */
  readonly ceType: string;
  readonly description: string;
}

function topic<S extends DescMessage>(
  name: string,
  schema: S,
  key: TopicDefinition['key'],
  description: string,
  partitions = 6,
): TopicDefinition<S> {
  return { name, schema, key, partitions, ceType: `${schema.typeName}`, description };
}

export const Topics = {
  inboundRaw: topic('omni.inbound.raw.v1', RawInboundSchema, 'channel-thread', 'Provider webhooks, raw bytes kept'),
  messageNormalized: topic('omni.message.normalized.v1', MessageSchema, 'conversation-id', 'Canonical messages, deduplicated'),
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
  contactErased: topic('omni.contact.erased.v1', ContactErasedSchema, 'contact-id', 'Erasure requests every service acts on'),
  csatRecorded: topic('omni.csat.recorded.v1', CsatRecordedSchema, 'conversation-id', 'CSAT answers, and surveys that could not be sent'),
  outboundDeferred: topic('omni.outbound.deferred.v1', OutboundDeferredSchema, 'conversation-id', 'Outbounds held back (quiet hours, pacing) until a time'),
  notificationRefused: topic('omni.notification.refused.v1', NotificationRefusedSchema, 'contact-id', 'Proactive notifications no channel could carry, a reason per channel'),
  conversationOffered: topic('omni.conversation.offered.v1', ConversationOfferedSchema, 'conversation-id', 'Offers to agents: offered, accepted, declined, expired, withdrawn'),
  conversationSla: topic('omni.conversation.sla.v1', ConversationSlaSchema, 'conversation-id', 'First/next response SLA warnings and breaches'),
} as const;

export type TopicName = keyof typeof Topics;
export const ALL_TOPICS: readonly TopicDefinition[] = Object.values(Topics);

/** Every topic has a dead-letter twin with the same partitioning. */
export function dlqTopicName(name: string): string {
  return `${name}.dlq`;
}
