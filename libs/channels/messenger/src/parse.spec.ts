import type { ChannelEvent } from '@omni/channel-sdk';
import { Channel, DeliveryState, Direction, EntryPoint_Source, MediaKind, timestampFromDate, timestampFromMs } from '@omni/contracts';
import { PAGE_ID, PSID, RECEIVED_AT, rawWebhook } from '../fixtures';
import type { ContentInit } from './content';
import { parseMessengerWebhook } from './parse';

const RECEIVED = timestampFromDate(RECEIVED_AT);

type Extra = Record<string, unknown> & { sender?: string; recipient?: string; pageId?: string; dedupeKey?: string };

/** The canonical message the parser should give, with the fixtures' usual page and customer. */
function message(providerMessageId: string, atMs: number, content: ContentInit, extra: Extra = {}): ChannelEvent {
  const { sender = PSID, recipient, pageId = PAGE_ID, dedupeKey = providerMessageId, ...rest } = extra;
  return {
    type: 'message',
    dedupeKey,
    message: {
      channel: Channel.MESSENGER,
      providerMessageId,
      direction: Direction.INBOUND,
      sender: { channelUserId: sender },
      recipient: { channelUserId: recipient ?? pageId },
      providerTimestamp: timestampFromMs(atMs),
      receivedAt: RECEIVED,
      content,
      accountId: pageId,
      ...rest,
    },
  };
}

function status(dedupeKey: string, atMs: number, state: DeliveryState, watermarkMs: number, providerMessageId?: string, user = PSID, pageId = PAGE_ID): ChannelEvent {
  return {
    type: 'status',
    dedupeKey,
    status: {
      channel: Channel.MESSENGER,
      occurredAt: timestampFromMs(atMs),
      channelUserId: user,
      accountId: pageId,
      providerMessageId,
      state,
      watermark: timestampFromMs(watermarkMs),
    },
  };
}

const text = (value: string): ContentInit => ({ kind: { case: 'text', value: { text: value } } });
const media = (kind: MediaKind, url: string, providerMediaId?: string): ContentInit => ({ kind: { case: 'media', value: { kind, url, providerMediaId } } });
const unsupported = (providerType: string, json: unknown): ContentInit => ({
  kind: { case: 'unsupported', value: { providerType, providerJson: JSON.stringify(json) } },
});

const cases: Array<[string, ChannelEvent[]]> = [
  ['text', [message('m_AbCdEf123', 1717171717512, text('Is the blue jacket in stock?'))]],
  // Meta escapes non-ASCII and slashes; the canonical text is the decoded string.
  ['text-escaped-unicode', [message('m_Esc0001', 1717171720000, text('¿Tienen la talla M en azul? 😀 https://shop.example.com/p/42'))]],
  [
    'batched',
    [
      message('m_Batch001', 1717171730100, text('Hello?')),
      message('m_Batch002', 1717171730200, text('Do you ship to Lyon?'), { sender: '7654321098765432' }),
      message('m_Batch003', 1717171731500, text('Opening hours?'), { sender: '8765432109876543', pageId: '104857600000002' }),
      status('read:104857600000002:8765432109876543:1717171731000', 1717171731600, DeliveryState.READ, 1717171731000, undefined, '8765432109876543', '104857600000002'),
    ],
  ],
  [
    'attachments',
    [
      message('m_Att001', 1717171740100, media(MediaKind.IMAGE, 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo1.jpg?_nc_cat=1&oh=abc')),
      message('m_Att001#1', 1717171740100, media(MediaKind.IMAGE, 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo2.jpg?_nc_cat=1&oh=def')),
      message('m_Att002', 1717171740200, media(MediaKind.VIDEO, 'https://video.xx.fbcdn.net/v/t42.3356-2/clip.mp4?_nc_cat=1&oh=ghi')),
      message('m_Att003', 1717171740300, media(MediaKind.AUDIO, 'https://cdn.fbsbx.com/v/t59.3654-21/audioclip-1717171740.mp4?_nc_cat=1&oh=jkl')),
      message('m_Att004', 1717171740400, text('Here is my receipt')),
      message('m_Att004#1', 1717171740400, media(MediaKind.FILE, 'https://cdn.fbsbx.com/v/t59.2708-21/receipt.pdf?_nc_cat=1&oh=mno')),
    ],
  ],
  [
    'sticker',
    [
      // Sent as sticker + image (transition): one sticker, not two.
      message('m_Stk001', 1717171750100, media(MediaKind.STICKER, 'https://scontent.xx.fbcdn.net/v/t39.1997-6/thumbsup.png', '369239263222822')),
      // Older form: an image carrying sticker_id.
      message('m_Stk002', 1717171750200, media(MediaKind.STICKER, 'https://scontent.xx.fbcdn.net/v/t39.1997-6/heart.png', '126361874215276')),
    ],
  ],
  [
    'location',
    [
      message('m_Loc001', 1717171760100, {
        kind: {
          case: 'location',
          value: {
            latitude: 48.8566,
            longitude: 2.3522,
            name: "Ana's Location",
            url: 'https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps%2Fdefault.aspx%3Fv%3D2%26pc%3DFACEBK%26cp%3D48.8566~2.3522',
          },
        },
      }),
    ],
  ],
  [
    'fallback',
    [
      message('m_Fbk001', 1717171770100, text('look at this one')),
      message('m_Fbk001#1', 1717171770100, {
        kind: { case: 'text', value: { text: 'Blue jacket - Example Shop\nhttps://shop.example.com/p/42', urls: ['https://shop.example.com/p/42'] } },
      }),
    ],
  ],
  ['quick-reply', [message('m_Qr001', 1717171780100, { kind: { case: 'quickReply', value: { payload: 'RESERVE_42', text: 'Reserve it' } } })]],
  ['reply-to', [message('m_Rpl001', 1717171790100, text('Yes, that one'), { replyToProviderMessageId: 'm_Out456' })]],
  ['postback', [message('m_Pb001', 1717171800100, { kind: { case: 'postback', value: { payload: 'TRACK_ORDER', title: 'Track my order' } } })]],
  [
    'postback-get-started-referral',
    [
      message(
        `postback:${PAGE_ID}:9876543210987654:1717171810100`,
        1717171810100,
        { kind: { case: 'postback', value: { payload: 'GET_STARTED', title: 'Get Started' } } },
        {
          sender: '9876543210987654',
          entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'summer-sale', attributes: { source: 'SHORTLINK', type: 'OPEN_THREAD' } },
        },
      ),
    ],
  ],
  [
    'referral-shortlink',
    [
      message(`referral:${PAGE_ID}:${PSID}:1717171820100`, 1717171820100, { kind: { case: 'postback', value: { payload: 'order-4521', title: '' } } }, {
        entryPoint: { source: EntryPoint_Source.DEEP_LINK, ref: 'order-4521', attributes: { source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      }),
    ],
  ],
  [
    'referral-ad',
    [
      message(`referral:${PAGE_ID}:${PSID}:1717171830100`, 1717171830100, { kind: { case: 'postback', value: { payload: 'jackets', title: '' } } }, {
        entryPoint: {
          source: EntryPoint_Source.AD,
          ref: 'jackets',
          adId: '23851234567890123',
          attributes: {
            source: 'ADS',
            type: 'OPEN_THREAD',
            ad_title: 'Winter jackets -30%',
            photo_url: 'https://scontent.xx.fbcdn.net/v/ad-photo.jpg',
            post_id: '104857600000001_987654321',
          },
        },
      }),
    ],
  ],
  ['delivery', [status('delivered:m_Out456', 1717171800000, DeliveryState.DELIVERED, 1717171799000, 'm_Out456')]],
  ['delivery-watermark-only', [status(`delivered:${PAGE_ID}:${PSID}:1717171839000`, 1717171840000, DeliveryState.DELIVERED, 1717171839000)]],
  ['read', [status(`read:${PAGE_ID}:${PSID}:1717171849000`, 1717171850000, DeliveryState.READ, 1717171849000)]],
  [
    'echo',
    [
      message('m_Out789', 1717171860100, text('Size M is available.'), {
        sender: PAGE_ID,
        recipient: PSID,
        direction: Direction.OUTBOUND,
        isEcho: true,
      }),
    ],
  ],
  [
    'reactions',
    [
      message(`reaction:m_Out789:${PSID}:react:1717171870100`, 1717171870100, {
        kind: { case: 'reaction', value: { targetProviderMessageId: 'm_Out789', emoji: '❤️', removed: false, name: 'love' } },
      }),
      message(`reaction:m_Out789:${PSID}:unreact:1717171870900`, 1717171870900, {
        kind: { case: 'reaction', value: { targetProviderMessageId: 'm_Out789', emoji: '', removed: true, name: 'love' } },
      }),
    ],
  ],
  ['standby', [message('m_Sby001', 1717171880100, text('Can a human help me?'))]],
];

describe('parseMessengerWebhook: exact canonical output', () => {
  it.each(cases)('%s', (fixture, expected) => {
    expect(parseMessengerWebhook(rawWebhook(fixture))).toEqual(expected);
  });
});

describe('parseMessengerWebhook: kinds Omni keeps as unsupported', () => {
  const itemOf = (fixture: string) => JSON.parse(rawWebhook(fixture).body.toString()).entry[0].messaging[0];

  it.each([
    ['optin', 'optin'],
    ['handover', 'pass_thread_control'],
    ['message-edit', 'message_edit'],
    ['unknown-kind', 'game_play'],
  ])('%s → unsupported "%s" with the item JSON', (fixture, providerType) => {
    const events = parseMessengerWebhook(rawWebhook(fixture));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.type).toBe('message');
    if (event.type !== 'message') return;
    expect(event.message.content).toEqual(unsupported(providerType, itemOf(fixture)));
    expect(event.dedupeKey).toMatch(new RegExp(`^${providerType}:${PAGE_ID}:${PSID}:\\d+:[0-9a-f]{16}$`));
    expect(event.message.providerMessageId).toBe(event.dedupeKey);
    expect(event.message.sender).toEqual({ channelUserId: PSID });
  });

  it('policy enforcement names only the Page, which stands in as sender', () => {
    const [event] = parseMessengerWebhook(rawWebhook('policy-enforcement'));
    expect(event?.type === 'message' && event.message).toMatchObject({
      sender: { channelUserId: PAGE_ID },
      content: unsupported('policy-enforcement', itemOf('policy-enforcement')),
    });
  });

  it('an Instagram reel share is an unsupported attachment, not a lost message', () => {
    const [event] = parseMessengerWebhook(rawWebhook('reel-attachment'));
    expect(event).toMatchObject({
      dedupeKey: 'm_Reel001',
      message: { content: unsupported('attachment:ig_reel', itemOf('reel-attachment').message.attachments[0]) },
    });
  });

  it('a redelivered edit gets the same key, a second edit a new one', () => {
    const first = parseMessengerWebhook(rawWebhook('message-edit'))[0]!.dedupeKey;
    expect(parseMessengerWebhook(rawWebhook('message-edit'))[0]!.dedupeKey).toBe(first);
    const edited = Buffer.from(rawWebhook('message-edit').body.toString().replace('"num_edit":1', '"num_edit":2'));
    expect(parseMessengerWebhook({ ...rawWebhook('message-edit'), body: edited })[0]!.dedupeKey).not.toBe(first);
  });
});
