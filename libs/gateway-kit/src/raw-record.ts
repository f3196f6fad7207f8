import { randomUUID } from 'node:crypto';
import { create, RawInboundSchema, timestampFromDate, toBinary, Topics, type Channel } from '@omni/contracts';
import { CE_HEADERS, PROTOBUF_CONTENT_TYPE, type Envelope } from '@omni/messaging';

/** What a gateway writes to omni.inbound.raw.v1 for one verified webhook. */
export interface RawRecordFields {
  id: string;
  channel: Channel;
  receivedAt: Date;
  body: Buffer;
  contentType: string;
  webhookPath: string;
  headers: Record<string, string>;
  accountId: string;
  threadKey: string;
}

/**
 * The omni.v1.RawInbound fields the direct encoder writes (number, name, kind). The unit test
 * compares this with RawInboundSchema, so a field added to raw.proto fails the build's tests
 * instead of being silently dropped; at run time a mismatch makes `encodeRawInbound` fall back
 * to the reflective encoder.
 */
export const RAW_INBOUND_FIELDS: ReadonlyArray<readonly [number, string]> = [
  [1, 'id'],
  [2, 'channel'],
  [3, 'receivedAt'],
  [4, 'body'],
  [5, 'contentType'],
  [6, 'webhookPath'],
  [7, 'headers'],
  [8, 'accountId'],
  [9, 'threadKey'],
];

/** protobuf-es's reflective encoder: the reference (and the fallback). */
export function encodeRawInboundReflective(fields: RawRecordFields): Buffer {
  const message = create(RawInboundSchema, { ...fields, receivedAt: timestampFromDate(fields.receivedAt) });
  return Buffer.from(toBinary(RawInboundSchema, message));
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

/** Length-delimited field: tag, length, then the bytes written by the caller. */
function lengthDelimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/**
 * omni.v1.RawInbound in protobuf binary, written directly: byte-for-byte what protobuf-es's
 * `toBinary(RawInboundSchema, …)` produces (fields in number order, proto3 defaults omitted, map
 * entries with key and value), at a fraction of the cost of the reflective encoder (one webhook's
 * share of CPU). Falls back to the reflective encoder for what it does not cover (timestamps
 * before 1970, a schema it was not written for).
 */
export function encodeRawInbound(fields: RawRecordFields): Buffer {
  return (directEncoderValid && encodeDirect(fields)) || encodeRawInboundReflective(fields);
}

/** The direct encoder; undefined for what it does not cover (timestamps before 1970). */
function encodeDirect(fields: RawRecordFields): Buffer | undefined {
  const ms = fields.receivedAt.getTime();
  if (!(ms >= 0)) return undefined;
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  const timestampSize = (seconds ? 1 + varintSize(seconds) : 0) + (nanos ? 1 + varintSize(nanos) : 0);

  const { id, channel, body, contentType, webhookPath, headers, accountId, threadKey } = fields;
  const idBytes = Buffer.byteLength(id);
  const contentTypeBytes = Buffer.byteLength(contentType);
  const pathBytes = Buffer.byteLength(webhookPath);
  const accountBytes = Buffer.byteLength(accountId);
  const threadBytes = Buffer.byteLength(threadKey);
  const headerNames = Object.keys(headers);
  const headerSizes: number[] = [];
  let size = 0;
  if (idBytes) size += lengthDelimitedSize(idBytes);
  if (channel) size += 1 + varintSize(channel);
  size += lengthDelimitedSize(timestampSize);
  if (body.length) size += lengthDelimitedSize(body.length);
  if (contentTypeBytes) size += lengthDelimitedSize(contentTypeBytes);
  if (pathBytes) size += lengthDelimitedSize(pathBytes);
  for (const name of headerNames) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(headers[name]!);
    const entry = lengthDelimitedSize(nameBytes) + lengthDelimitedSize(valueBytes);
    headerSizes.push(nameBytes, valueBytes, entry);
    size += lengthDelimitedSize(entry);
  }
  if (accountBytes) size += lengthDelimitedSize(accountBytes);
  if (threadBytes) size += lengthDelimitedSize(threadBytes);

  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const string = (tag: number, value: string, bytes: number) => {
    out[at++] = tag;
    at = writeVarint(out, at, bytes);
    at += out.write(value, at, bytes, 'utf8');
  };
  if (idBytes) string(0x0a, id, idBytes); // 1: id
  if (channel) {
    out[at++] = 0x10; // 2: channel (varint)
    at = writeVarint(out, at, channel);
  }
  out[at++] = 0x1a; // 3: received_at (Timestamp)
  at = writeVarint(out, at, timestampSize);
  if (seconds) {
    out[at++] = 0x08;
    at = writeVarint(out, at, seconds);
  }
  if (nanos) {
    out[at++] = 0x10;
    at = writeVarint(out, at, nanos);
  }
  if (body.length) {
    out[at++] = 0x22; // 4: body
    at = writeVarint(out, at, body.length);
    at += body.copy(out, at);
  }
  if (contentTypeBytes) string(0x2a, contentType, contentTypeBytes); // 5
  if (pathBytes) string(0x32, webhookPath, pathBytes); // 6
  for (let i = 0; i < headerNames.length; i++) {
    const name = headerNames[i]!;
    out[at++] = 0x3a; // 7: headers entry
    at = writeVarint(out, at, headerSizes[i * 3 + 2]!);
    string(0x0a, name, headerSizes[i * 3]!);
    string(0x12, headers[name]!, headerSizes[i * 3 + 1]!);
  }
  if (accountBytes) string(0x42, accountId, accountBytes); // 8
  if (threadBytes) string(0x4a, threadKey, threadBytes); // 9
  if (at !== size) throw new Error(`RawInbound encoder wrote ${at} of ${size} bytes`);
  return out;
}

/**
 * The direct encoder is used only for the schema it was written for: the same fields, and the same
 * bytes as the reflective encoder for a sample covering every field (checked once, at load).
 */
const directEncoderValid = ((): boolean => {
  const schemaFields = RawInboundSchema.fields.map((f) => `${f.number}:${f.localName}`).join(',');
  if (schemaFields !== RAW_INBOUND_FIELDS.map(([n, name]) => `${n}:${name}`).join(',')) return false;
  try {
    const sample: RawRecordFields = {
      id: 'ffffffff-0000-4000-8000-000000000000',
      channel: 2 as Channel,
      receivedAt: new Date(1_717_171_717_512),
      body: Buffer.from('{"text":"h\\u00e4llo ☃ ä"}'),
      contentType: 'application/json',
      webhookPath: '/webhooks/x',
      headers: { 'content-type': 'application/json', 'user-agent': 'ä', empty: '' },
      accountId: 'page-1',
      threadKey: 'user-1',
    };
    return encodeDirect(sample)?.equals(encodeRawInboundReflective(sample)) === true;
  } catch {
    return false;
  }
})();

/**
 * The envelope of a raw record, as `buildEnvelope(Topics.inboundRaw, …)` would make it (same
 * CloudEvents headers, in the same order) but with the direct encoder.
 */
export function rawRecordEnvelope(key: string, fields: RawRecordFields, source: string): Envelope {
  if (!key) throw new Error(`record for ${Topics.inboundRaw.name} needs a key (${Topics.inboundRaw.key})`);
  return {
    topic: Topics.inboundRaw.name,
    key,
    value: encodeRawInbound(fields),
    headers: {
      [CE_HEADERS.specversion]: '1.0',
      [CE_HEADERS.id]: fields.id || randomUUID(),
      [CE_HEADERS.type]: Topics.inboundRaw.ceType,
      [CE_HEADERS.source]: source,
      [CE_HEADERS.time]: fields.receivedAt.toISOString(),
      [CE_HEADERS.contentType]: PROTOBUF_CONTENT_TYPE,
    },
  };
}
