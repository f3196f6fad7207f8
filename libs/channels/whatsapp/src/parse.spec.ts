import type { ChannelEvent } from '@omni/channel-sdk';
import {
  Channel,
  ConsentState,
  DeliveryState,
  Direction,
  EntryPoint_Source,
  ErrorCode,
  MediaKind,
  timestampFromDate,
  timestampFromMs,
} from '@omni/contracts';
import { CUSTOMER, PHONE_NUMBER_ID, RECEIVED_AT, rawWebhook } from '../fixtures';
import type { ContentInit } from './content';
import { parseWhatsAppWebhook } from './parse';

const RECEIVED = timestampFromDate(RECEIVED_AT);
const ANA = 'Ana Ruiz';

interface Who {
  from?: string;
  name?: string;
  account?: string;
  replyTo?: string;
  entryPoint?: unknown;
}

function message(wamid: string, seconds: number, content: ContentInit, who: Who = {}): ChannelEvent {
  const { from = CUSTOMER, name = ANA, account = PHONE_NUMBER_ID } = who;
  return {
    type: 'message',
    dedupeKey: wamid,
    message: {
      channel: Channel.WHATSAPP,
      providerMessageId: wamid,
      direction: Direction.INBOUND,
      sender: { channelUserId: from, displayName: name },
      recipient: { channelUserId: account },
      providerTimestamp: timestampFromMs(seconds * 1000),
      receivedAt: RECEIVED,
      content,
      accountId: account,
      replyToProviderMessageId: who.replyTo,
      entryPoint: who.entryPoint as never,
    },
  };
}

function status(wamid: string, name: string, state: DeliveryState, seconds: number, extra: Record<string, unknown> = {}): ChannelEvent {
  return {
    type: 'status',
    dedupeKey: `${wamid}:${name}`,
    status: {
      channel: Channel.WHATSAPP,
      providerMessageId: wamid,
      state,
      occurredAt: timestampFromMs(seconds * 1000),
      channelUserId: CUSTOMER,
      accountId: PHONE_NUMBER_ID,
      ...extra,
    },
  };
}

const text = (body: string): ContentInit => ({ kind: { case: 'text', value: { text: body } } });
const OUT1 = 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAx';

const cases: Array<[string, ChannelEvent[]]> = [
  ['text', [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBD', 1717171717, text('Hola, ¿mi pedido ya salió?'))]],
  [
    'text-escaped-unicode',
    [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkVTQzAx', 1717171720, text('¿Puedo cambiar la dirección? 🙏 https://tienda.example.mx/pedido/4521'))],
  ],
  [
    'media',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAx', 1717171730, {
        kind: {
          case: 'media',
          value: { kind: MediaKind.IMAGE, providerMediaId: '1479537139650973', mimeType: 'image/jpeg', sha256: 'Xe2+dkTXQ1qAXpvbTU3xQk/XqQ87gS5OSJ6pCfkrYbg=', caption: 'La etiqueta' },
        },
      }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAy', 1717171731, {
        kind: { case: 'media', value: { kind: MediaKind.VIDEO, providerMediaId: '2284930395134231', mimeType: 'video/mp4', sha256: 'fWcB8pY8XHPSmt0fnuY0Wz3WDrQKNBn6vMqsLVeL1ss=' } },
      }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDAz', 1717171732, {
        kind: {
          case: 'media',
          value: { kind: MediaKind.AUDIO, providerMediaId: '915204457318390', mimeType: 'audio/ogg; codecs=opus', sha256: '7wlBXrKWK8mrCeSxXBDQNLPzpGnMS+RkbB9eR+qwgvE=' },
        },
      }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDA0', 1717171733, {
        kind: {
          case: 'media',
          value: {
            kind: MediaKind.FILE,
            providerMediaId: '1021930402455870',
            mimeType: 'application/pdf',
            sha256: 'b2JhG0ka6hRQbVc9yA/ie8b3BvAnFh8e4Jw0E3VbUpk=',
            caption: 'Factura',
            filename: 'factura-4521.pdf',
          },
        },
      }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1FRDA1', 1717171734, {
        kind: { case: 'media', value: { kind: MediaKind.STICKER, providerMediaId: '862145248873530', mimeType: 'image/webp', sha256: '4Vh8zhVpDOHnpq3p9oK8J/NBBJ0JCRr7aRSpcXmqBlw=' } },
      }),
    ],
  ],
  [
    'location',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkxPQzAx', 1717171740, {
        kind: {
          case: 'location',
          value: { latitude: 19.4326, longitude: -99.1332, name: 'Zócalo', address: 'Plaza de la Constitución, Centro, CDMX', url: 'https://maps.example.com/zocalo' },
        },
      }),
    ],
  ],
  [
    'contacts',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkNPTjAx', 1717171750, {
        kind: {
          case: 'contactCard',
          value: {
            formattedName: 'Luis Ortega',
            phones: [{ number: '+52 55 8765 4321', type: 'CELL' }],
            emails: [{ address: 'luis@example.mx', type: 'WORK' }],
            organization: 'Ortega Envíos',
          },
        },
      }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkNPTjAx#1', 1717171750, {
        kind: { case: 'contactCard', value: { formattedName: 'Marta Díaz', phones: [{ number: '+52 55 1111 2222', type: 'HOME' }], emails: [] } },
      }),
    ],
  ],
  [
    'interactive-button-reply',
    [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkJUTjAx', 1717171760, { kind: { case: 'quickReply', value: { payload: 'RESERVE_42', text: 'Reservar' } } }, { replyTo: OUT1 })],
  ],
  [
    'interactive-list-reply',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkxTVDAx', 1717171770, { kind: { case: 'quickReply', value: { payload: 'STORE_CDMX_SUR', text: 'CDMX Sur' } } }, {
        replyTo: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAy',
      }),
    ],
  ],
  [
    'template-button-reply',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlRQTDAx', 1717171780, { kind: { case: 'quickReply', value: { payload: 'TRACK_4521', text: 'Rastrear pedido' } } }, {
        replyTo: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDAz',
      }),
    ],
  ],
  [
    'reactions',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJFQTAx', 1717171790, { kind: { case: 'reaction', value: { targetProviderMessageId: OUT1, emoji: '👍', removed: false } } }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJFQTAy', 1717171795, { kind: { case: 'reaction', value: { targetProviderMessageId: OUT1, emoji: '', removed: true } } }),
    ],
  ],
  ['reply-context', [message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlJQTDAx', 1717171800, text('Sí, ese mismo'), { replyTo: OUT1 })]],
  [
    'referral-ad',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFkFEUzAx', 1717171810, text('Hola, vi su anuncio'), {
        entryPoint: {
          source: EntryPoint_Source.AD,
          adId: '120212345678900123',
          attributes: {
            source_url: 'https://fb.me/3cr4Wqqkv',
            source_id: '120212345678900123',
            source_type: 'ad',
            headline: 'Chamarras -30%',
            body: 'Escríbenos por WhatsApp',
            media_type: 'image',
            image_url: 'https://scontent.xx.fbcdn.net/v/ad.jpg',
            ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
          },
        },
      }),
    ],
  ],
  [
    'statuses',
    [
      status(OUT1, 'sent', DeliveryState.SENT, 1717171820, { outboundId: 'out-0001' }),
      status(OUT1, 'delivered', DeliveryState.DELIVERED, 1717171821, { outboundId: 'out-0001' }),
      status(OUT1, 'read', DeliveryState.READ, 1717171830, { outboundId: 'out-0001' }),
    ],
  ],
  [
    'status-failed',
    [
      status('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEjQ2', 'failed', DeliveryState.FAILED, 1717175400, {
        error: { code: ErrorCode.WINDOW_CLOSED, retryable: false, providerCode: '131047', message: 'outside the 24 h customer service window: send a template' },
      }),
    ],
  ],
  // A played voice note counts as read.
  ['status-played', [status('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDA5', 'played', DeliveryState.READ, 1717171840)]],
  [
    'multi-number',
    [
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1VTDAx', 1717171850, text('Hola')),
      message('wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgWTVVMMDI=', 1717171851, text('Is my parcel on its way?'), { from: '447700900123', name: 'Tom Baker', account: '106540352242999' }),
      message('wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk1VTDAz', 1717171852, text('Otra pregunta'), { account: '106540352242999' }),
      {
        type: 'status',
        dedupeKey: 'wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSTVVMMDQ=:delivered',
        status: {
          channel: Channel.WHATSAPP,
          providerMessageId: 'wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSTVVMMDQ=',
          state: DeliveryState.DELIVERED,
          occurredAt: timestampFromMs(1717171853000),
          channelUserId: '447700900123',
          accountId: '106540352242777',
        },
      },
    ],
  ],
  [
    'user-preferences',
    [
      {
        type: 'consent',
        dedupeKey: `consent:${PHONE_NUMBER_ID}:${CUSTOMER}:marketing_messages:stop:1717171860000`,
        consent: {
          channel: Channel.WHATSAPP,
          channelUserId: CUSTOMER,
          accountId: PHONE_NUMBER_ID,
          state: ConsentState.OPTED_OUT,
          keyword: 'marketing_messages:stop',
          occurredAt: timestampFromMs(1717171860000),
        },
      },
    ],
  ],
];

describe('parseWhatsAppWebhook: exact canonical output', () => {
  it.each(cases)('%s', (fixture, expected) => {
    expect(parseWhatsAppWebhook(rawWebhook(fixture))).toEqual(expected);
  });
});

describe('parseWhatsAppWebhook: kinds Omni keeps as unsupported', () => {
  const valueOf = (fixture: string) => JSON.parse(rawWebhook(fixture).body.toString()).entry[0].changes[0].value;
  const unsupported = (providerType: string, json: unknown): ContentInit => ({ kind: { case: 'unsupported', value: { providerType, providerJson: JSON.stringify(json) } } });

  it.each([
    ['order', 'order', 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk9SRDAx'],
    ['system', 'system', 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlNZUzAx'],
    ['unsupported-type', 'unsupported', 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFlVOUzAx'],
    ['interactive-flow-reply', 'interactive:nfm_reply', 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFk5GTTAx'],
  ])('message %s → unsupported "%s", keyed by its wamid', (fixture, providerType, wamid) => {
    const events = parseWhatsAppWebhook(rawWebhook(fixture));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message',
      dedupeKey: wamid,
      message: { providerMessageId: wamid, sender: { channelUserId: CUSTOMER }, content: unsupported(providerType, valueOf(fixture).messages[0]) },
    });
  });

  it('value-level errors[] are a notice from the business number', () => {
    const [event] = parseWhatsAppWebhook(rawWebhook('value-errors'));
    expect(event).toMatchObject({
      type: 'message',
      message: { sender: { channelUserId: PHONE_NUMBER_ID }, accountId: PHONE_NUMBER_ID, content: unsupported('errors', valueOf('value-errors').errors) },
    });
    expect(event!.dedupeKey).toMatch(new RegExp(`^errors:${PHONE_NUMBER_ID}:[0-9a-f]{16}$`));
  });

  it('other webhook fields (template status) are kept whole, keyed by the WABA when no number is named', () => {
    const [event] = parseWhatsAppWebhook(rawWebhook('template-status-update'));
    const change = JSON.parse(rawWebhook('template-status-update').body.toString()).entry[0].changes[0];
    expect(event).toMatchObject({
      type: 'message',
      message: { sender: { channelUserId: '102290129340398' }, accountId: '102290129340398', content: unsupported('field:message_template_status_update', change) },
    });
  });

  it('an unknown status is kept as unsupported rather than guessed', () => {
    const [event] = parseWhatsAppWebhook(rawWebhook('status-unknown'));
    expect(event).toMatchObject({
      type: 'message',
      dedupeKey: 'status:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEk9VVDEw:deleted',
      message: { sender: { channelUserId: CUSTOMER }, content: unsupported('status:deleted', valueOf('status-unknown').statuses[0]) },
    });
  });
});
