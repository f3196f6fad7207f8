import { MalformedPayloadError, type ChannelEvent, type MessageInit } from '@omni/channel-sdk';
import {
  Channel,
  DeliveryState,
  Direction,
  EntryPoint_Source,
  MediaKind,
  timestampFromDate,
  timestampFromMs,
} from '@omni/contracts';
import { BUSINESS_ID, CUSTOMER_ID, FIXTURE_NAMES, fixture, rawWebhook, RECEIVED_AT } from '../fixtures';
import { twitterParser } from './parse';

const received = timestampFromDate(RECEIVED_AT);
const customer = { channelUserId: CUSTOMER_ID, displayName: 'Jo Carter', username: 'jo_c' };
const business = { channelUserId: BUSINESS_ID, displayName: 'Acme Support', username: 'AcmeSupport' };

function inbound(id: string, ms: number, content: MessageInit['content'], extra: Extra = {}): ChannelEvent {
  return {
    type: 'message',
    dedupeKey: id,
    message: {
      channel: Channel.TWITTER,
      providerMessageId: id,
      direction: Direction.INBOUND,
      isEcho: false,
      accountId: BUSINESS_ID,
      sender: customer,
      recipient: business,
      receivedAt: received,
      content,
      providerTimestamp: timestampFromMs(ms),
      ...extra,
    } as MessageInit,
  };
}

function unsupported(dedupeKey: string, providerType: string, json: unknown, extra: Extra = {}): ChannelEvent {
  return {
    type: 'message',
    dedupeKey,
    message: {
      channel: Channel.TWITTER,
      // Without a provider id, the dedupe key stands in; without an actor, the account; without a
      // time, the receipt time.
      providerMessageId: dedupeKey,
      direction: Direction.INBOUND,
      isEcho: false,
      accountId: BUSINESS_ID,
      sender: { channelUserId: BUSINESS_ID },
      receivedAt: received,
      providerTimestamp: received,
      content: { kind: { case: 'unsupported', value: { providerType, providerJson: JSON.stringify(json) } } },
      ...extra,
    } as MessageInit,
  };
}

/** Overrides for an expected message (a plain object: MessageInit is a union Partial cannot spread). */
type Extra = Record<string, unknown>;

const text = (value: string, urls: string[] = []): MessageInit['content'] => ({ kind: { case: 'text', value: { text: value, urls } } });
const body = (name: string) => JSON.parse(fixture(name).toString('utf8'));

const cases: Array<[string, () => ChannelEvent[]]> = [
  [
    'aaa-text-with-link',
    () => [inbound('2080765901528535096', 1784928224372, text('My order page says error: https://t.co/9fK2LmQp1Z', ['https://shop.example.com/orders/88231']))],
  ],
  [
    'aaa-photo',
    () => [
      inbound('2080765950000000001', 1784928236000, {
        kind: {
          case: 'media',
          value: {
            kind: MediaKind.IMAGE,
            url: 'https://ton.twitter.com/1.1/ton/data/dm/2080765950000000001/2080765940000000000/AbCdEf12.jpg',
            mimeType: '',
            providerMediaId: '2080765940000000000',
            caption: 'The box arrived like this',
          },
        },
      }),
    ],
  ],
  [
    'aaa-video',
    () => [
      inbound('2080766000000000101', 1784928248000, {
        kind: {
          case: 'media',
          value: {
            kind: MediaKind.VIDEO,
            url: 'https://video.twimg.com/dm_video/2080765990000000000/vid/1280x720/Hi1.mp4',
            mimeType: 'video/mp4',
            providerMediaId: '2080765990000000000',
            caption: '',
          },
        },
      }),
    ],
  ],
  [
    'aaa-animated-gif',
    () => [
      inbound('2080766000000000202', 1784928250000, {
        kind: {
          case: 'media',
          value: {
            kind: MediaKind.ANIMATED_GIF,
            url: 'https://video.twimg.com/dm_gif/2080765995000000000/Gf1.mp4',
            mimeType: 'video/mp4',
            providerMediaId: '2080765995000000000',
            caption: 'thanks!!',
          },
        },
      }),
    ],
  ],
  [
    'aaa-quick-reply-response',
    () => [inbound('2080766100000000303', 1784928260000, { kind: { case: 'quickReply', value: { payload: 'TRACK_ORDER', text: 'Track my order' } } })],
  ],
  [
    'aaa-welcome-message-entry',
    () => [
      inbound('2080766200000000404', 1784928270000, text('Hi, I need help with a return'), {
        entryPoint: { source: EntryPoint_Source.WELCOME_MESSAGE, welcomeMessageId: '1077201358826000389', attributes: {} },
      }),
    ],
  ],
  [
    'aaa-post-entry',
    () => [
      inbound('2080766300000000505', 1784928280000, text('Saw your post about the sale'), {
        entryPoint: { source: EntryPoint_Source.POST, attributes: { tweet_id: '2080700000000000000' } },
      }),
    ],
  ],
  [
    'aaa-echo',
    () => [
      inbound('2080766400000000606', 1784928290000, text('Your order ships tomorrow.'), {
        direction: Direction.OUTBOUND,
        isEcho: true,
        sender: business,
        recipient: customer,
      }),
    ],
  ],
  [
    'aaa-typing',
    () => [
      {
        type: 'status',
        dedupeKey: `typing:${CUSTOMER_ID}:1784928295000`,
        status: {
          channel: Channel.TWITTER,
          state: DeliveryState.UNSPECIFIED,
          typing: true,
          channelUserId: CUSTOMER_ID,
          accountId: BUSINESS_ID,
          occurredAt: timestampFromMs(1784928295000),
        },
      },
    ],
  ],
  [
    'aaa-read',
    () => [
      {
        type: 'status',
        dedupeKey: `read:${CUSTOMER_ID}:2080766400000000606`,
        status: {
          channel: Channel.TWITTER,
          state: DeliveryState.READ,
          providerMessageId: '2080766400000000606',
          channelUserId: CUSTOMER_ID,
          accountId: BUSINESS_ID,
          occurredAt: timestampFromMs(1784928299000),
          // Snowflake time of 2080766400000000606: (id >> 22) + 1288834974657.
          watermark: timestampFromMs(Number((2080766400000000606n >> 22n) + 1288834974657n)),
        },
      },
    ],
  ],
  [
    'aaa-favorite',
    () => [
      unsupported('favorite_events:a7ba59eab0bfcba386f7acedac279542', 'favorite_events', body('aaa-favorite').favorite_events[0], {
        sender: { channelUserId: CUSTOMER_ID },
        providerTimestamp: timestampFromMs(1784928600000),
      }),
    ],
  ],
  [
    'aaa-user-event-revoke',
    () => {
      const json = body('aaa-user-event-revoke');
      const [event] = twitterParser.parse(rawWebhook(fixture('aaa-user-event-revoke')));
      return [unsupported(event!.dedupeKey, 'user_event.revoke', json)];
    },
  ],
  [
    'xaa-dm-received',
    () => [
      inbound('2080765901528535096', 1784928224372, text('Where is my order?'), {
        sender: { ...customer, displayName: 'Jo' },
      }),
    ],
  ],
  [
    'xaa-dm-sent',
    () => [
      inbound('2080763914820927863', 1784927750704, text('Thanks for the update!'), {
        direction: Direction.OUTBOUND,
        isEcho: true,
        sender: business,
        recipient: { ...customer, displayName: 'Jo' },
      }),
    ],
  ],
  [
    'xaa-dm-read',
    () => [
      {
        type: 'status',
        dedupeKey: `read:${CUSTOMER_ID}:2080763914820927863`,
        status: {
          channel: Channel.TWITTER,
          state: DeliveryState.READ,
          providerMessageId: '2080763914820927863',
          channelUserId: CUSTOMER_ID,
          accountId: BUSINESS_ID,
          occurredAt: timestampFromMs(1784928299000),
          watermark: timestampFromMs(Number((2080763914820927863n >> 22n) + 1288834974657n)),
        },
      },
    ],
  ],
  [
    'xaa-dm-indicate-typing',
    () => [
      {
        type: 'status',
        dedupeKey: `typing:${CUSTOMER_ID}:1784928295000`,
        status: {
          channel: Channel.TWITTER,
          state: DeliveryState.UNSPECIFIED,
          typing: true,
          channelUserId: CUSTOMER_ID,
          accountId: BUSINESS_ID,
          occurredAt: timestampFromMs(1784928295000),
        },
      },
    ],
  ],
  [
    'xaa-chat-received',
    () => [
      unsupported('chat.received:8511582263942905822', 'chat.received', body('xaa-chat-received'), {
        sender: { channelUserId: CUSTOMER_ID },
        providerTimestamp: timestampFromMs(1784841183370),
      }),
    ],
  ],
  [
    'xaa-chat-sent',
    () => [
      unsupported('chat.sent:3723060601307155846', 'chat.sent', body('xaa-chat-sent'), {
        direction: Direction.OUTBOUND,
        isEcho: true,
        sender: { channelUserId: BUSINESS_ID },
        // The customer, from conversation_id: the normalizer files outbound messages under it.
        recipient: { channelUserId: CUSTOMER_ID },
        providerTimestamp: timestampFromMs(1784841233939),
      }),
    ],
  ],
  ['xaa-oauth-revoke', () => [unsupported('oauth.revoke:5934540941047412905', 'oauth.revoke', body('xaa-oauth-revoke'))]],
];

describe('twitterParser.parse', () => {
  it('has an expectation for every fixture', () => {
    expect(cases.map(([name]) => name).sort()).toEqual([...FIXTURE_NAMES]);
  });

  it.each(cases)('%s', (name, expected) => {
    expect(twitterParser.parse(rawWebhook(fixture(name)))).toEqual(expected());
  });

  it('keys unsupported events without an id by a hash of account and JSON, stable across redeliveries', () => {
    const first = twitterParser.parse(rawWebhook(fixture('aaa-user-event-revoke')));
    const again = twitterParser.parse(rawWebhook(fixture('aaa-user-event-revoke')));
    expect(first[0]!.dedupeKey).toMatch(/^user_event\.revoke:[0-9a-f]{32}$/);
    expect(again[0]!.dedupeKey).toBe(first[0]!.dedupeKey);
  });

  it('keeps batched events in provider order', () => {
    const batch = JSON.parse(fixture('aaa-text-with-link').toString());
    const echo = JSON.parse(fixture('aaa-echo').toString());
    batch.direct_message_events.push(echo.direct_message_events[0]);
    const events = twitterParser.parse(rawWebhook(JSON.stringify(batch)));
    expect(events.map((e) => e.dedupeKey)).toEqual(['2080765901528535096', '2080766400000000606']);
  });

  it('keeps a non message_create DM event as unsupported', () => {
    const item = { type: 'message_delete', id: '2080766500000000707', created_timestamp: '1784928300000' };
    const events = twitterParser.parse(rawWebhook(JSON.stringify({ for_user_id: BUSINESS_ID, direct_message_events: [item] })));
    expect(events).toEqual([
      unsupported('direct_message_events:message_delete:2080766500000000707', 'direct_message_events:message_delete', item, {
        providerMessageId: '2080766500000000707',
        providerTimestamp: timestampFromMs(1784928300000),
      }),
    ]);
  });

  it("keeps the business's own read receipt as unsupported instead of a customer READ", () => {
    const item = { created_timestamp: '1784928299000', sender_id: BUSINESS_ID, target: { recipient_id: CUSTOMER_ID }, last_read_event_id: '2080765901528535096' };
    const events = twitterParser.parse(rawWebhook(JSON.stringify({ for_user_id: BUSINESS_ID, direct_message_mark_read_events: [item] })));
    expect(events).toEqual([
      unsupported(events[0]!.dedupeKey, 'direct_message_mark_read_events:self', item, {
        direction: Direction.OUTBOUND,
        isEcho: true,
        sender: { channelUserId: BUSINESS_ID },
        recipient: { channelUserId: CUSTOMER_ID },
        providerTimestamp: timestampFromMs(1784928299000),
      }),
    ]);
  });

  it('keeps an X Activity dm.read of unknown shape as unsupported', () => {
    const json = { data: { event_uuid: '42', filter: { user_id: BUSINESS_ID }, event_type: 'dm.read', payload: { something: 'new' } } };
    expect(twitterParser.parse(rawWebhook(JSON.stringify(json)))).toEqual([unsupported('dm.read:42', 'dm.read', json)]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['an array', '[]'],
    ['an unrelated object', '{"hello":"world"}'],
    ['a DM list that is not an array', `{"for_user_id":"${BUSINESS_ID}","direct_message_events":{}}`],
  ])('rejects %s as malformed', (_label, bodyText) => {
    expect(() => twitterParser.parse(rawWebhook(bodyText))).toThrow(MalformedPayloadError);
  });
});
