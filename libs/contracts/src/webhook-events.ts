import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { Topics, type TopicDefinition } from './topics';

/**
 * The Kafka topics a CRM can subscribe to over webhooks (crm-webhooks). The webhook event type is
 * the topic's CloudEvents type (`ce_type` on Kafka, `type` in the JSON body), so Kafka and webhook
 * consumers share one vocabulary; the JSON Schema of each is generated from the proto
 * (docs/schemas/<type>.schema.json).
 */
export const WEBHOOK_TOPICS: readonly TopicDefinition[] = [
  Topics.conversationRouted,
  Topics.conversationQueued,
  Topics.conversationOffered,
  Topics.conversationAssigned,
  Topics.conversationResolved,
  Topics.conversationReopened,
  Topics.conversationSla,
  Topics.csatRecorded,
  Topics.outboundRejected,
  Topics.contactErased,
  Topics.contactLinked,
  Topics.contactMerged,
];

export function webhookTopicOfType(type: string): TopicDefinition | undefined {
  return WEBHOOK_TOPICS.find((t) => t.ceType === type);
}

/** Every field present, defaults included (priority 0 is a value, not "unset"); enum names, lowerCamelCase keys. */
export const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;

/** A record's value as the JSON the webhooks and docs show (proto3 canonical JSON mapping). */
export function eventJson(topic: TopicDefinition, value: Parameters<typeof toJson>[1]): JsonValue {
  return toJson(topic.schema, value, JSON_OPTIONS);
}

/** CloudEvents 1.0 structured-mode JSON: what a webhook body is. */
export interface CloudEventJson {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  /** CloudEvents "sequence" extension: the replay cursor (a decimal string, increasing). */
  sequence: string;
  /** CloudEvents "partitioning" extension: the ordering key (conversation or contact id). */
  partitionkey: string;
  data: JsonValue;
}

/** Where each event type's JSON Schema is published (docs/schemas in the repository). */
export function dataschemaOf(type: string): string {
  return `https://omni.dev/schemas/${type}.schema.json`;
}
