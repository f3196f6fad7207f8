import { Channel, DeliveryState, timestampFromMs } from '@omni/contracts';
import type { ChannelEvent } from './adapter';
import { jsonNestsDeeperThan } from './json';
import { encodingProblem, epochMs, eventProblem, MAX_EPOCH_MS, MAX_PROVIDER_JSON_CHARS, safeJsonText, storableEvents, totalEvents, unreadableEvent } from './total';

const at = new Date('2026-07-24T21:30:00.000Z');
const unreadable = (json: unknown) => (reason: string) => unreadableEvent({ channel: Channel.MESSENGER, accountId: 'page-1', customerId: 'psid-1', providerType: 'messaging', json, receivedAt: at, reason });
type MessageEvent = Extract<ChannelEvent, { type: 'message' }>;
const text = (id: string, sender?: string, body = id): MessageEvent => ({
  type: 'message',
  dedupeKey: id,
  message: { channel: Channel.MESSENGER, providerMessageId: id, accountId: 'page-1', ...(sender !== undefined ? { sender: { channelUserId: sender } } : {}), content: { kind: { case: 'text', value: { text: body, urls: [] } } } },
});

describe('epochMs', () => {
  it('takes whole, bounded epoch times; truncates fractions; refuses the rest', () => {
    expect(epochMs(1717171717512)).toBe(1717171717512);
    expect(epochMs('1717171717512')).toBe(1717171717512);
    expect(epochMs(1717171717512.3)).toBe(1717171717512);
    expect(epochMs('1717171717', 's')).toBe(1717171717000);
    expect(epochMs('1717171717.0001', 's')).toBe(1717171717000);
    expect(epochMs(MAX_EPOCH_MS)).toBe(MAX_EPOCH_MS);
    for (const bad of [1e30, 1e16, MAX_EPOCH_MS + 1, -1, NaN, Infinity, '', ' ', 'abc', {}, [], null, undefined, true]) expect(epochMs(bad)).toBeUndefined();
    expect(epochMs('1e20', 's')).toBeUndefined();
  });
});

describe('safeJsonText', () => {
  it('never throws and stays bounded', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(safeJsonText(cyclic)).toContain('unserialisable');
    expect(safeJsonText(10n)).toBe('"10"');
    expect(safeJsonText(undefined)).toBe('null');
    expect(safeJsonText('x'.repeat(100_000)).length).toBeLessThan(MAX_PROVIDER_JSON_CHARS + 100);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(safeJsonText(deep)).toContain('unserialisable');
  });
});

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(1000)}"}`, 3)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"${'['.repeat(1000)}"}`, 3)).toBe(false);
    expect(jsonNestsDeeperThan('['.repeat(200_000), 64)).toBe(true);
  });
});

describe('totalEvents', () => {
  it('passes readable events through', () => {
    expect(totalEvents(() => [text('a', 'psid-1'), text('b', 'psid-1')], unreadable({}))).toEqual([text('a', 'psid-1'), text('b', 'psid-1')]);
  });

  it('turns a throwing reader into one unreadable event with the reason', () => {
    const [event, ...rest] = totalEvents(() => {
      throw new TypeError('Cannot convert object to primitive value');
    }, unreadable({ mid: { toString: 1 } }));
    expect(rest).toEqual([]);
    expect(event!.type === 'message' && event!.message.content?.kind).toEqual({
      case: 'unsupported',
      value: { providerType: 'unreadable:messaging', providerJson: '{"mid":{"toString":1}}', reason: 'TypeError: Cannot convert object to primitive value' },
    });
    expect(event!.type === 'message' && event!.message.sender?.channelUserId).toBe('psid-1');
    expect(encodingProblem(event!)).toBeUndefined();
  });

  it('turns an event protobuf would refuse (fractional nanos) into an unreadable one', () => {
    const bad: ChannelEvent = { type: 'status', dedupeKey: 'read:1', status: { channel: Channel.MESSENGER, state: DeliveryState.READ, watermark: timestampFromMs(1717171717512.3) } };
    expect(encodingProblem(bad)).toMatch(/int32/);
    const [event] = totalEvents(() => [bad], unreadable({ read: { watermark: 1717171717512.3 } }));
    expect(event!.type === 'message' && event!.message.content?.kind?.case).toBe('unsupported');
  });

  it('gives the same id for the same item (redelivery dedupes) and another for another', () => {
    const one = unreadable({ a: 1 })('r');
    expect(unreadable({ a: 1 })('other reason').dedupeKey).toBe(one.dedupeKey);
    expect(unreadable({ a: 2 })('r').dedupeKey).not.toBe(one.dedupeKey);
  });
});

describe('storableEvents (found by fuzzing: PostgreSQL refused a NUL, ingest a message without a customer)', () => {
  const fallback = (event: ChannelEvent, reason: string) => unreadable(event)(reason);

  it('replaces NUL characters anywhere in an event', () => {
    const [event] = storableEvents([text('a', 'u\u00001', 'x\u0000y')], fallback);
    expect(JSON.stringify(event)).not.toContain('\\u0000');
    expect(event!.type === 'message' && event!.message.content?.kind?.case === 'text' && event!.message.content.kind.value.text).toBe('x\ufffdy');
  });

  it('keeps storable events and turns a message without a customer into an unreadable one with the reason', () => {
    const withCustomer = text('b', 'psid-1');
    expect(eventProblem(text('a'))).toBe('message without a customer id');
    const [bad, good] = storableEvents([text('a'), withCustomer], fallback);
    expect(good).toEqual(withCustomer);
    expect(bad!.type === 'message' && bad!.message.content?.kind).toMatchObject({ case: 'unsupported', value: { reason: 'message without a customer id' } });
    expect(eventProblem(bad!)).toBeUndefined();
  });
});

describe('found by the long fuzz run', () => {
  it('replaces lone surrogates (PostgreSQL jsonb refuses them)', () => {
    const [event] = storableEvents([text('a', 'psid-1', 'x\ud800y')], (e) => e);
    expect(event!.type === 'message' && event!.message.content?.kind?.case === 'text' && event!.message.content.kind.value.text).toBe('x\ufffdy');
  });

  it('reports a string field holding an array as an encoding problem (protobuf JSON refuses it, binary did not)', () => {
    const bad = { ...text('a', 'psid-1'), message: { ...text('a', 'psid-1').message, content: { kind: { case: 'location', value: { latitude: 1, longitude: 2, url: ['x'] } } } } } as unknown as ChannelEvent;
    expect(encodingProblem(bad)).toMatch(/LocationContent\.url/);
  });
});
