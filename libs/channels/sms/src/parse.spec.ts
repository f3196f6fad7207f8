import { MalformedPayloadError, type ChannelEvent, type MessageInit } from '@omni/channel-sdk';
import { Channel, ConsentState, DeliveryState, Direction, ErrorCode, MediaKind, timestampFromDate } from '@omni/contracts';
import { ACCOUNT_SID, BUSINESS_NUMBER, CUSTOMER_NUMBER, FIXTURE_NAMES, RECEIVED_AT, rawWebhook } from '../fixtures';
import { smsParser } from './parse';

const received = timestampFromDate(RECEIVED_AT);

function message(id: string, content: MessageInit['content']): ChannelEvent {
  return {
    type: 'message',
    dedupeKey: id,
    message: {
      channel: Channel.SMS,
      providerMessageId: id,
      direction: Direction.INBOUND,
      isEcho: false,
      accountId: BUSINESS_NUMBER,
      sender: { channelUserId: CUSTOMER_NUMBER },
      recipient: { channelUserId: BUSINESS_NUMBER },
      receivedAt: received,
      providerTimestamp: received, // Twilio sends no time
      content,
    },
  };
}
const text = (id: string, value: string) => message(id, { kind: { case: 'text', value: { text: value, urls: [] } } });
const media = (id: string, kind: MediaKind, url: string, mimeType: string) => message(id, { kind: { case: 'media', value: { kind, url, mimeType } } });
const consent = (sid: string, state: ConsentState, keyword: string): ChannelEvent => ({
  type: 'consent',
  dedupeKey: `${sid}:consent`,
  consent: { channel: Channel.SMS, channelUserId: CUSTOMER_NUMBER, accountId: BUSINESS_NUMBER, state, keyword, providerMessageId: sid, occurredAt: received },
});
const status = (sid: string, name: string, state: DeliveryState, error?: object): ChannelEvent => ({
  type: 'status',
  dedupeKey: `${sid}:${name}`,
  status: {
    channel: Channel.SMS,
    providerMessageId: sid,
    state,
    occurredAt: received,
    channelUserId: CUSTOMER_NUMBER,
    accountId: BUSINESS_NUMBER,
    ...(error ? { error } : {}),
  },
});
const mediaUrl = (mm: string, me: string) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${mm}/Media/${me}`;
const OUT = 'SM9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a';

const cases: Array<[string, ChannelEvent[]]> = [
  ['inbound-text', [text('SM2f1a9c0d0e5b4c3a8f7e6d5c4b3a2910', 'Is my appointment still on?')]],
  [
    'inbound-mms-with-text',
    [
      media('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', MediaKind.IMAGE, mediaUrl('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', 'ME1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d'), 'image/jpeg'),
      media('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b#1', MediaKind.VIDEO, mediaUrl('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b', 'ME6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a'), 'video/mp4'),
      text('MM5e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b#2', 'Here is the damage'),
    ],
  ],
  [
    'inbound-mms-only',
    [media('MM0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d', MediaKind.IMAGE, mediaUrl('MM0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d', 'ME0f1e2d3c4b5a69788796a5b4c3d2e1f0'), 'image/png')],
  ],
  [
    'inbound-stop',
    [text('SM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f', 'STOP'), consent('SM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f', ConsentState.OPTED_OUT, 'STOP')],
  ],
  [
    'inbound-stop-all-no-advanced-opt-out',
    [text('SM8d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a', '  stop   all '), consent('SM8d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a', ConsentState.OPTED_OUT, 'STOP ALL')],
  ],
  [
    'inbound-start',
    [text('SM9e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b', 'Start'), consent('SM9e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b', ConsentState.OPTED_IN, 'START')],
  ],
  [
    'inbound-help',
    [text('SMaf4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c', 'help'), consent('SMaf4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c', ConsentState.HELP_REQUESTED, 'HELP')],
  ],
  [
    'inbound-custom-opt-out-keyword',
    [text('SMb05b6c7d8e9f0a1b2c3d4e5f6a7b8c9d', 'ARRET'), consent('SMb05b6c7d8e9f0a1b2c3d4e5f6a7b8c9d', ConsentState.OPTED_OUT, 'STOP')],
  ],
  ['inbound-messaging-service-unicode', [text('SMc16c7d8e9f0a1b2c3d4e5f6a7b8c9d0e', 'Merci beaucoup 🙏 à demain')]],
  ['status-queued', [status(OUT, 'queued', DeliveryState.ACCEPTED)]],
  ['status-sent', [status(OUT, 'sent', DeliveryState.SENT)]],
  ['status-delivered', [status(OUT, 'delivered', DeliveryState.DELIVERED)]],
  [
    'status-undelivered-30003',
    [status(OUT, 'undelivered', DeliveryState.FAILED, { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: true, retryAfterMs: 0n, providerCode: '30003', message: expect.any(String) })],
  ],
  [
    'status-failed-30007',
    [
      status('SM1e2d3c4b5a69788796a5b4c3d2e1f0a9', 'failed', DeliveryState.FAILED, {
        code: ErrorCode.UNKNOWN,
        retryable: false,
        retryAfterMs: 0n,
        providerCode: '30007',
        message: expect.stringContaining('carrier filtered'),
      }),
    ],
  ],
  [
    'status-failed-21610',
    [status('SM2f3e4d5c6b7a8998a7b6c5d4e3f2a1b0', 'failed', DeliveryState.FAILED, { code: ErrorCode.OPTED_OUT, retryable: false, retryAfterMs: 0n, providerCode: '21610', message: expect.any(String) })],
  ],
  ['status-read', [status(OUT, 'read', DeliveryState.READ)]],
  [
    'status-canceled',
    [status('SM3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d', 'canceled', DeliveryState.FAILED, { code: ErrorCode.UNKNOWN, retryable: false, retryAfterMs: 0n, providerCode: 'canceled', message: expect.any(String) })],
  ],
];

describe('smsParser.parse', () => {
  it('has an expectation for every fixture', () => {
    expect(cases.map(([name]) => name).sort()).toEqual([...FIXTURE_NAMES]);
  });

  it.each(cases)('%s', (name, expected) => {
    expect(smsParser.parse(rawWebhook(name))).toEqual(expected);
  });

  it('carries NumSegments on a status callback when Twilio sends it', () => {
    const raw = { ...rawWebhook('status-sent'), body: Buffer.from(`${rawWebhook('status-sent').body}&NumSegments=3`) };
    expect(smsParser.parse(raw)[0]).toMatchObject({ type: 'status', status: { segments: 3 } });
  });

  it('keeps an unknown MessageStatus as UNSPECIFIED instead of dropping it', () => {
    const raw = { ...rawWebhook('status-sent'), body: Buffer.from(rawWebhook('status-sent').body.toString().replace(/=sent/g, '=receiving')) };
    expect(smsParser.parse(raw)).toEqual([status(OUT, 'receiving', DeliveryState.UNSPECIFIED)]);
  });

  it('tells a status callback by its fields when the path is not the usual one', () => {
    const raw = { ...rawWebhook('status-delivered'), webhookPath: '/hooks/other' };
    expect(smsParser.parse(raw)[0]!.type).toBe('status');
  });

  it.each([
    ['an empty body', ''],
    ['a body without MessageSid', 'From=%2B14155550123&To=%2B14155550100&Body=hi'],
    ['a body without From', 'MessageSid=SM1&To=%2B14155550100&Body=hi'],
    ['JSON', '{"MessageSid":"SM1"}'],
  ])('rejects %s as malformed', (_label, body) => {
    expect(() => smsParser.parse({ ...rawWebhook('inbound-text'), body: Buffer.from(body) })).toThrow(MalformedPayloadError);
  });

  it('rejects a status callback without MessageStatus', () => {
    expect(() => smsParser.parse({ ...rawWebhook('status-sent'), body: Buffer.from('MessageSid=SM1&From=%2B1&To=%2B2') })).toThrow(MalformedPayloadError);
  });
});
