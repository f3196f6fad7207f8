import { randomUUID } from 'node:crypto';
import { fromBinary, toBinary, type DescMessage, type MessageShape, type TopicDefinition } from '@omni/contracts';

/** A record ready to be produced: logical topic, key, encoded value and headers. */
export interface Envelope {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  contentType: 'content-type',
} as const;

export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

export interface EnvelopeOptions {
  /** CloudEvents id; also the inbox dedupe id downstream. Random UUID when not given. */
  id?: string;
  /** CloudEvents source, e.g. "omni/normalizer". */
  source: string;
  time?: Date;
  headers?: Record<string, string>;
}

/**
 * Encodes a protobuf message for a registered topic with CloudEvents binary-mode headers. Trace
 * context is added when the envelope is produced (see EventPublisher), not here, so outbox rows
 * keep the context of the transaction that wrote them.
 */
export function buildEnvelope<S extends DescMessage>(
  topic: TopicDefinition<S>,
  key: string,
  message: MessageShape<S>,
  options: EnvelopeOptions,
): Envelope {
  if (!key) throw new Error(`record for ${topic.name} needs a key (${topic.key})`);
  return {
    topic: topic.name,
    key,
    value: Buffer.from(toBinary(topic.schema, message)),
    headers: {
      ...options.headers,
      [CE_HEADERS.specversion]: '1.0',
      [CE_HEADERS.id]: options.id ?? randomUUID(),
      [CE_HEADERS.type]: topic.ceType,
      [CE_HEADERS.source]: options.source,
      [CE_HEADERS.time]: (options.time ?? new Date()).toISOString(),
      [CE_HEADERS.contentType]: PROTOBUF_CONTENT_TYPE,
    },
  };
}

/** Thrown when a record cannot be decoded as its topic's type: a poison record. */
export class UndecodableRecordError extends Error {
  override name = 'UndecodableRecordError';
}

export function decodeValue<S extends DescMessage>(topic: TopicDefinition<S>, value: Buffer | null, ceType?: string): MessageShape<S> {
  if (ceType && ceType !== topic.ceType) {
    throw new UndecodableRecordError(`ce_type "${ceType}" does not match ${topic.name} (${topic.ceType})`);
  }
  if (!value) throw new UndecodableRecordError(`empty value on ${topic.name}`);
  try {
    return fromBinary(topic.schema, value);
  } catch (err) {
    throw new UndecodableRecordError(`cannot decode ${topic.ceType}: ${(err as Error).message}`);
  }
}

/** kafkajs gives header values as Buffer | string | (Buffer|string)[]; we use the first as text. */
export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === null) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}
