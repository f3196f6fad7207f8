import { randomBytes } from 'node:crypto';
import { Channel, create, fromBinary, RawInboundSchema, timestampDate, timestampFromDate, Topics } from '@omni/contracts';
import { buildEnvelope, CE_HEADERS } from '@omni/messaging';
import { encodeRawInbound, encodeRawInboundReflective, RAW_INBOUND_FIELDS, rawRecordEnvelope, type RawRecordFields } from './raw-record';

function fields(overrides: Partial<RawRecordFields> = {}): RawRecordFields {
  return {
    id: '8f1c1f0e-5d2a-4c1e-9a57-3b1f1c2d3e4f',
    channel: Channel.MESSENGER,
    receivedAt: new Date('2026-12-01T05:43:18.611Z'),
    body: Buffer.from('{"object":"page","entry":[{"id":"1","messaging":[{"message":{"text":"h\\u00e4llo"}}]}]}'),
    contentType: 'application/json',
    webhookPath: '/webhooks/messenger',
    headers: { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' },
    accountId: '1001',
    threadKey: '5001',
    ...overrides,
  };
}

describe('raw record encoding', () => {
  it('covers exactly the fields of omni.v1.RawInbound (a new proto field must be added to the encoder)', () => {
    expect(RawInboundSchema.fields.map((f) => [f.number, f.localName])).toEqual(RAW_INBOUND_FIELDS.map(([n, name]) => [n, name]));
  });

  it.each<[string, Partial<RawRecordFields>]>([
    ['a typical webhook', {}],
    ['empty strings, empty body, no headers, channel 0', { id: '', contentType: '', webhookPath: '', accountId: '', threadKey: '', body: Buffer.alloc(0), headers: {}, channel: 0 as Channel }],
    ['the epoch (timestamp with no seconds and no nanos)', { receivedAt: new Date(0) }],
    ['whole seconds (no nanos)', { receivedAt: new Date(1_700_000_000_000) }],
    ['sub-second only', { receivedAt: new Date(999) }],
    ['a date before 1970 (reflective fallback)', { receivedAt: new Date(-1_234_567) }],
    ['a far-future date', { receivedAt: new Date(8_000_000_000_000) }],
    ['non-ASCII text and header values', { threadKey: 'ümlaut-☃-𝄞', accountId: 'é', headers: { 'user-agent': 'ä ☃', 'x-request-id': '' } }],
    ['a large body (multi-byte lengths)', { body: randomBytes(300_000) }],
    ['a lone surrogate (replaced like TextEncoder does)', { threadKey: 'a\ud800b' }],
    ['every channel', { channel: Channel.SMS }],
  ])('writes the same bytes as protobuf-es for %s', (_name, overrides) => {
    const input = fields(overrides);
    const direct = encodeRawInbound(input);
    expect(direct.equals(encodeRawInboundReflective(input))).toBe(true);
    const decoded = fromBinary(RawInboundSchema, direct);
    expect(decoded.id).toBe(input.id);
    expect(Buffer.from(decoded.body).equals(input.body)).toBe(true);
    expect(timestampDate(decoded.receivedAt!).getTime()).toBe(input.receivedAt.getTime());
  });

  it('makes the envelope buildEnvelope would make (headers in the same order)', () => {
    const input = fields();
    const key = 'messenger:1001:5001';
    const source = 'omni/gateway-messenger';
    const expected = buildEnvelope(Topics.inboundRaw, key, create(RawInboundSchema, { ...input, receivedAt: timestampFromDate(input.receivedAt) }), {
      id: input.id,
      time: input.receivedAt,
      source,
    });
    const envelope = rawRecordEnvelope(key, input, source);
    expect(envelope).toEqual(expected);
    expect(Object.keys(envelope.headers)).toEqual(Object.keys(expected.headers));
    expect(envelope.headers[CE_HEADERS.id]).toBe(input.id);
    expect(() => rawRecordEnvelope('', input, source)).toThrow(/needs a key/);
  });
});
