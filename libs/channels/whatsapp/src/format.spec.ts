import { Button_Kind, create, MediaKind, OutboundApprovedSchema, SenderAction, type MessageInitShape, type OutboundContentSchema } from '@omni/contracts';
import { CUSTOMER, PHONE_NUMBER_ID, TEST_ACCESS_TOKEN, TEST_APP_SECRET, TEST_VERIFY_TOKEN } from '../fixtures';
import { createWhatsAppAdapter } from './index';

type ContentInit = MessageInitShape<typeof OutboundContentSchema>;

const adapter = createWhatsAppAdapter({ appSecret: TEST_APP_SECRET, verifyToken: TEST_VERIFY_TOKEN, accessToken: TEST_ACCESS_TOKEN, graphApiVersion: 'v24.0' });
const PATH = `/v24.0/${PHONE_NUMBER_ID}/messages`;
const CONTEXT = { now: new Date('2026-01-15T10:00:00Z'), nonce: 'n' };
const LAST_INBOUND = 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBD';

function approved(content: ContentInit, replyTo?: string) {
  return create(OutboundApprovedSchema, {
    id: 'out-0001',
    request: { accountId: PHONE_NUMBER_ID, recipient: { channelUserId: CUSTOMER }, content, replyToProviderMessageId: replyTo },
  });
}

function http(content: ContentInit, replyTo?: string) {
  return adapter.format(approved(content, replyTo)).map((request) => {
    const spec = adapter.toHttp(request, CONTEXT);
    return { purpose: request.purpose, method: spec.method, pathAndQuery: spec.pathAndQuery, headers: spec.headers, json: JSON.parse(spec.body!) };
  });
}

const bodies = (content: ContentInit, replyTo?: string) => http(content, replyTo).map((r) => r.json);
const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: CUSTOMER };
const tracking = { biz_opaque_callback_data: 'out-0001' };

describe('WhatsApp format + toHttp: the exact Cloud API requests', () => {
  it('text: POST /{version}/{phone_number_id}/messages with a bearer token', () => {
    expect(http({ text: 'Tu pedido #4521 ya salió.' })).toEqual([
      {
        purpose: 'text',
        method: 'POST',
        pathAndQuery: PATH,
        headers: { authorization: `Bearer ${TEST_ACCESS_TOKEN}`, 'content-type': 'application/json' },
        json: { ...envelope, type: 'text', text: { body: 'Tu pedido #4521 ya salió.' }, ...tracking },
      },
    ]);
  });

  it('sends from the approved account (phone_number_id) and strips a leading + from the recipient', () => {
    const [request] = adapter.format(
      create(OutboundApprovedSchema, { id: 'o', request: { accountId: '106540352242999', recipient: { channelUserId: '+447700900123' }, content: { text: 'Hi' } } }),
    );
    expect(request).toMatchObject({ path: '/v24.0/106540352242999/messages', json: { to: '447700900123' } });
  });

  it('tags sends with the outbound id (the request id, as the gateway and normalizer know it), not the approval id', () => {
    const [request] = adapter.format(
      create(OutboundApprovedSchema, { id: 'approval-9', request: { id: 'out-4521', accountId: PHONE_NUMBER_ID, recipient: { channelUserId: CUSTOMER }, content: { text: 'Hi' } } }),
    );
    expect(request!.json).toMatchObject({ biz_opaque_callback_data: 'out-4521' });
  });

  it('asks for a link preview only when the text has a link', () => {
    expect(bodies({ text: 'Sigue tu envío: https://tienda.example.mx/t/4521' })[0].text).toEqual({ body: 'Sigue tu envío: https://tienda.example.mx/t/4521', preview_url: true });
  });

  it('splits text over 4,096 characters', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${String(i).padStart(4, '0')}`).join(' '); // 11,999 chars
    const result = http({ text: words });
    expect(result.map((r) => r.purpose)).toEqual(['text 1/3', 'text 2/3', 'text 3/3']);
    const parts = result.map((r) => r.json.text.body as string);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join(' ')).toBe(words);
  });

  it('1–3 quick replies: reply buttons (title ≤ 20, id = payload)', () => {
    expect(bodies({ text: '¿Lo apartamos?', quickReplies: [{ title: 'Sí, apártalo por favor ahora', payload: 'RESERVE_42' }, { title: 'No', payload: 'NO' }] })).toEqual([
      {
        ...envelope,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: '¿Lo apartamos?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'RESERVE_42', title: 'Sí, apártalo por fa…' } },
              { type: 'reply', reply: { id: 'NO', title: 'No' } },
            ],
          },
        },
        ...tracking,
      },
    ]);
  });

  it('postback buttons are reply buttons too; URL buttons become lines in the body', () => {
    expect(
      bodies({
        text: '¿Qué hacemos?',
        buttons: [
          { kind: Button_Kind.POSTBACK, title: 'Rastrear', value: 'TRACK' },
          { kind: Button_Kind.URL, title: 'Ver tienda', value: 'https://tienda.example.mx' },
        ],
      })[0].interactive,
    ).toEqual({
      type: 'button',
      body: { text: '¿Qué hacemos?\n\nVer tienda: https://tienda.example.mx' },
      action: { buttons: [{ type: 'reply', reply: { id: 'TRACK', title: 'Rastrear' } }] },
    });
  });

  it('4–10 options: a list with one section, the configured label, descriptions ≤ 72', () => {
    const stores = ['Centro', 'Polanco', 'Coyoacán', 'Santa Fe'].map((name, i) => ({
      title: `Tienda ${name}`,
      payload: `STORE_${i + 1}`,
      description: i === 0 ? 'Av. Juárez 100, Centro Histórico, Cuauhtémoc, 06000 Ciudad de México, CDMX, México' : '',
    }));
    expect(bodies({ text: '¿En qué tienda?', quickReplies: stores })).toEqual([
      {
        ...envelope,
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: '¿En qué tienda?' },
          action: {
            button: 'Choose an option',
            sections: [
              {
                rows: [
                  { id: 'STORE_1', title: 'Tienda Centro', description: 'Av. Juárez 100, Centro Histórico, Cuauhtémoc, 06000 Ciudad de México, C…' },
                  { id: 'STORE_2', title: 'Tienda Polanco' },
                  { id: 'STORE_3', title: 'Tienda Coyoacán' },
                  { id: 'STORE_4', title: 'Tienda Santa Fe' },
                ],
              },
            ],
          },
        },
        ...tracking,
      },
    ]);
  });

  it('the list label is configurable', () => {
    const custom = createWhatsAppAdapter({ appSecret: 's', verifyToken: 'v', accessToken: 't', listButtonLabel: 'Ver opciones' });
    const options = Array.from({ length: 5 }, (_, i) => ({ title: `Opción ${i + 1}` }));
    expect((custom.format(approved({ text: 'Elige', quickReplies: options }))[0]!.json as { interactive: { action: { button: string } } }).interactive.action.button).toBe(
      'Ver opciones',
    );
  });

  it('more than 10 options: a numbered list in the text', () => {
    const options = Array.from({ length: 11 }, (_, i) => ({ title: `Talla ${i + 20}`, payload: `SIZE_${i + 20}` }));
    expect(bodies({ text: '¿Qué talla?', quickReplies: options })).toEqual([
      { ...envelope, type: 'text', text: { body: ['¿Qué talla?', ...options.map((o, i) => `${i + 1}. ${o.title}`)].join('\n') }, ...tracking },
    ]);
  });

  it('options with no text to carry them: a numbered list', () => {
    expect(bodies({ quickReplies: [{ title: 'Sí' }, { title: 'No' }] })[0].text).toEqual({ body: '1. Sí\n2. No' });
  });

  it('an interactive body over 1,024: the head goes first as text', () => {
    const text = Array.from({ length: 300 }, (_, i) => `palabra${i}`).join(' ');
    const result = http({ text, quickReplies: [{ title: 'OK', payload: 'OK' }] });
    expect(result.map((r) => r.purpose)).toEqual(['text', 'interactive_buttons']);
    const body = result[1]!.json.interactive.body.text as string;
    expect(body.length).toBeLessThanOrEqual(1024);
    expect(`${result[0]!.json.text.body} ${body}`).toBe(text);
  });

  it('media by link with caption; document keeps its filename', () => {
    expect(bodies({ media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.mx/etiqueta.png', caption: 'Tu etiqueta' } })).toEqual([
      { ...envelope, type: 'image', image: { link: 'https://cdn.example.mx/etiqueta.png', caption: 'Tu etiqueta' }, ...tracking },
    ]);
    expect(bodies({ media: { kind: MediaKind.FILE, url: 'https://cdn.example.mx/f.pdf', filename: 'factura-4521.pdf', caption: 'Factura' } })[0].document).toEqual({
      link: 'https://cdn.example.mx/f.pdf',
      caption: 'Factura',
      filename: 'factura-4521.pdf',
    });
  });

  it('audio and stickers take no caption: it follows as text; an uploaded id is sent as id', () => {
    expect(bodies({ media: { kind: MediaKind.AUDIO, providerMediaId: '915204457318390', caption: 'Escucha esto' }, text: '¿Te sirve?' })).toEqual([
      { ...envelope, type: 'audio', audio: { id: '915204457318390' }, ...tracking },
      { ...envelope, type: 'text', text: { body: 'Escucha esto\n\n¿Te sirve?' }, ...tracking },
    ]);
    expect(bodies({ media: { kind: MediaKind.STICKER, url: 'https://cdn.example.mx/s.webp' } })[0].sticker).toEqual({ link: 'https://cdn.example.mx/s.webp' });
  });

  it('a template is the whole message: name, language, components with parameters', () => {
    expect(
      bodies({
        text: 'ignored: a template is sent instead',
        template: {
          name: 'order_update',
          language: 'en_US',
          category: 'UTILITY',
          components: [
            { type: 'body', parameters: [{ type: 'text', value: '#4521' }, { type: 'currency', value: 'MXN 1299.50' }] },
            { type: 'button', subType: 'quick_reply', index: 0, parameters: [{ type: 'payload', value: 'TRACK_4521' }] },
          ],
        },
      }),
    ).toEqual([
      {
        ...envelope,
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: '#4521' },
                { type: 'currency', currency: { fallback_value: 'MXN 1299.50', code: 'MXN', amount_1000: 1299500 } },
              ],
            },
            { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK_4521' }] },
          ],
        },
        ...tracking,
      },
    ]);
  });

  it('a template with a header image and no components beyond it', () => {
    expect(bodies({ template: { name: 'hello_world', language: 'en_US' } })[0].template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
    expect(
      bodies({ template: { name: 'promo', language: 'es_MX', components: [{ type: 'header', parameters: [{ type: 'image', value: 'https://cdn.example.mx/p.jpg' }] }] } })[0].template
        .components,
    ).toEqual([{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.mx/p.jpg' } }] }]);
  });

  it('reaction: emoji, or empty to remove', () => {
    expect(bodies({ reaction: { targetProviderMessageId: LAST_INBOUND, emoji: '👍' } })).toEqual([
      { ...envelope, type: 'reaction', reaction: { message_id: LAST_INBOUND, emoji: '👍' } },
    ]);
    expect(bodies({ reaction: { targetProviderMessageId: LAST_INBOUND, emoji: '' } })[0].reaction).toEqual({ message_id: LAST_INBOUND, emoji: '' });
  });

  it('MARK_SEEN marks the customer message read; TYPING_ON adds the typing indicator', () => {
    expect(http({ senderAction: SenderAction.MARK_SEEN }, LAST_INBOUND).map((r) => [r.purpose, r.json])).toEqual([
      ['mark_read', { messaging_product: 'whatsapp', status: 'read', message_id: LAST_INBOUND }],
    ]);
    expect(bodies({ senderAction: SenderAction.TYPING_ON, text: 'Un momento…' }, LAST_INBOUND)).toEqual([
      { messaging_product: 'whatsapp', status: 'read', message_id: LAST_INBOUND, typing_indicator: { type: 'text' } },
      // The id named the message to mark read, so the reply is not also sent as a quote.
      { ...envelope, type: 'text', text: { body: 'Un momento…' }, ...tracking },
    ]);
  });

  it('sender actions without a customer message id, and TYPING_OFF, make no request', () => {
    expect(bodies({ senderAction: SenderAction.MARK_SEEN })).toEqual([]);
    expect(bodies({ senderAction: SenderAction.TYPING_OFF }, LAST_INBOUND)).toEqual([]);
  });

  it('a reply quotes the customer message on the first message only (context)', () => {
    const result = bodies({ media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.mx/a.png' }, text: 'Este' }, LAST_INBOUND);
    expect(result.map((b) => b.context)).toEqual([{ message_id: LAST_INBOUND }, undefined]);
  });

  it('cards: one image with a caption each (WhatsApp has carousels only as templates)', () => {
    expect(
      bodies({
        cards: [
          { title: 'Chamarra azul', subtitle: '$1,299', imageUrl: 'https://cdn.example.mx/c1.jpg', defaultUrl: 'https://tienda.example.mx/c1', buttons: [{ kind: Button_Kind.POSTBACK, title: 'Apartar', value: 'R1' }] },
          { title: 'Chamarra roja', subtitle: '$1,199' },
        ],
      }),
    ).toEqual([
      { ...envelope, type: 'image', image: { link: 'https://cdn.example.mx/c1.jpg', caption: '*Chamarra azul*\n$1,299\nhttps://tienda.example.mx/c1\nApartar' }, ...tracking },
      { ...envelope, type: 'text', text: { body: '*Chamarra roja*\n$1,199' }, ...tracking },
    ]);
  });

  it.each([
    ['a template without language', approved({ template: { name: 'x' } }), /language/],
    ['media without link or id', approved({ media: { kind: MediaKind.IMAGE } }), /media/],
    ['no account to send from', create(OutboundApprovedSchema, { id: 'x', request: { recipient: { channelUserId: CUSTOMER }, content: { text: 'x' } } }), /account/],
    ['no recipient', create(OutboundApprovedSchema, { id: 'x', request: { accountId: PHONE_NUMBER_ID, content: { text: 'x' } } }), /recipient/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => adapter.format(input)).toThrow(message);
  });
});

describe('createWhatsAppAdapter', () => {
  it.each([
    [{ appSecret: '', verifyToken: 'v', accessToken: 't' }, /appSecret/],
    [{ appSecret: 's', verifyToken: '', accessToken: 't' }, /verifyToken/],
    [{ appSecret: 's', verifyToken: 'v', accessToken: '' }, /accessToken/],
    [{ appSecret: 's', verifyToken: 'v', accessToken: 't', graphApiVersion: 'latest' }, /graphApiVersion/],
  ])('refuses incomplete configuration %#', (config, message) => {
    expect(() => createWhatsAppAdapter(config)).toThrow(message);
  });
});
