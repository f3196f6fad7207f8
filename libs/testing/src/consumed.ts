import type { ConsumedEvent } from '@omni/messaging';

/**
 * A record as the consumer hands it to a handler, for specs that call handlers directly (inside a
 * unit of work's batch, or one by one): the value under its topic, with the CloudEvents fields the
 * handlers read, at partition 0, offset 0.
 */
export function consumedEvent<T>(
  topic: { name: string; ceType: string },
  value: T,
  fields: { key: string; eventId: string; source: string; time: Date },
): ConsumedEvent<T> {
  return {
    value,
    ...fields,
    ceType: topic.ceType,
    headers: {},
    topic: topic.name,
    partition: 0,
    offset: '0',
    heartbeat: async () => undefined,
  };
}
