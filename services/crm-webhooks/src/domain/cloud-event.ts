import { dataschemaOf, eventJson, type CloudEventJson, type TopicDefinition } from '@omni/contracts';
import type { ConsumedEvent } from '@omni/messaging';

/** What the event log stores: the CloudEvent without its sequence (the log assigns it). */
export type StoredCloudEvent = Omit<CloudEventJson, 'sequence'>;

/**
 * A Kafka record as a CloudEvents 1.0 JSON event: the same id, type, source and time as the
 * record's ce_* headers, the record key as subject and partition key, and the value in the proto3
 * JSON mapping (every field present) whose JSON Schema docs/schemas publishes.
 */
export function cloudEventOf(topic: TopicDefinition, event: ConsumedEvent<unknown>): StoredCloudEvent {
  return {
    specversion: '1.0',
    id: event.eventId,
    source: event.source,
    type: topic.ceType,
    subject: event.key,
    time: event.time.toISOString(),
    datacontenttype: 'application/json',
    dataschema: dataschemaOf(topic.ceType),
    partitionkey: event.key,
    data: eventJson(topic, event.value as never),
  };
}

/** The contact an event is about, when it names one (erasure purges the contact's stored events). */
export function contactIdOf(value: unknown): string | undefined {
  const v = value as { contactId?: unknown; customerRef?: { contactId?: unknown }; mergedContactId?: unknown };
  const id = v.contactId ?? v.customerRef?.contactId ?? v.mergedContactId;
  return typeof id === 'string' && id ? id : undefined;
}
