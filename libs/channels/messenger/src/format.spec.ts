import {
  Button_Kind,
  create,
  DeliveryPolicy_MessagingType,
  MediaKind,
  OutboundApprovedSchema,
  SenderAction,
  type MessageInitShape,
  type OutboundContentSchema,
} from '@omni/contracts';
import { PAGE_ID, PSID, TEST_APP_SECRET, TEST_PAGE_TOKEN, TEST_VERIFY_TOKEN } from '../fixtures';
import { createMessengerAdapter } from './index';

type ContentInit = MessageInitShape<typeof OutboundContentSchema>;

const adapter = createMessengerAdapter({ appSecret: TEST_APP_SECRET, verifyToken: TEST_VERIFY_TOKEN, pageAccessToken: TEST_PAGE_TOKEN, graphApiVersion: 'v24.0' });
const URL_PATH = `/v24.0/me/messages?access_token=${TEST_PAGE_TOKEN}`;
const CONTEXT = { now: new Date('2026-01-15T10:00:00Z'), nonce: 'n' };

function approved(content: ContentInit, options: { messagingType?: DeliveryPolicy_MessagingType; tag?: string; replyTo?: string } = {}) {
  return create(OutboundApprovedSchema, {
    id: 'out-1',
    request: { accountId: PAGE_ID, recipient: { channelUserId: PSID }, content, replyToProviderMessageId: options.replyTo },
    policy: { messagingType: options.messagingType ?? DeliveryPolicy_MessagingType.RESPONSE, tag: options.tag },
  });
}

/** The exact HTTP requests the gateway will make, bodies parsed back for readable assertions. */
function http(content: ContentInit, options?: Parameters<typeof approved>[1]) {
  return adapter.format(approved(content, options)).map((request) => {
    const spec = adapter.toHttp(request, CONTEXT);
    return { purpose: request.purpose, method: spec.method, pathAndQuery: spec.pathAndQuery, headers: spec.headers, json: JSON.parse(spec.body!) };
  });
}

const bodies = (content: ContentInit, options?: Parameters<typeof approved>[1]) => http(content, options).map((r) => r.json);
const recipient = { id: PSID };

describe('Messenger format + toHttp: the exact Send API requests', () => {
  it('text with quick replies (docs/channels/messenger.md example)', () => {
    expect(http({ text: 'Size M is available.', quickReplies: [{ title: 'Reserve it', payload: 'RESERVE_42' }] })).toEqual([
      {
        purpose: 'text',
        method: 'POST',
        pathAndQuery: URL_PATH,
        headers: { 'content-type': 'application/json' },
        json: {
          recipient,
          messaging_type: 'RESPONSE',
          message: { text: 'Size M is available.', quick_replies: [{ content_type: 'text', title: 'Reserve it', payload: 'RESERVE_42' }] },
        },
      },
    ]);
  });

  it('URL-encodes the token and keeps it out of format output', () => {
    const special = createMessengerAdapter({ appSecret: 's', verifyToken: 'v', pageAccessToken: 'a+b/c=d&e', graphApiVersion: 'v21.0' });
    const [request] = special.format(approved({ text: 'hi' }));
    expect(JSON.stringify(request)).not.toContain('a+b/c=d&e');
    expect(special.toHttp(request!, CONTEXT).pathAndQuery).toBe('/v21.0/me/messages?access_token=a%2Bb%2Fc%3Dd%26e');
  });

  it('splits text over 2,000 characters at word boundaries; quick replies ride on the last part', () => {
    const words = Array.from({ length: 900 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' '); // 4,499 chars
    const result = http({ text: words, quickReplies: [{ title: 'OK', payload: 'OK' }] });
    expect(result.map((r) => r.purpose)).toEqual(['text 1/3', 'text 2/3', 'text 3/3']);
    const texts = result.map((r) => r.json.message.text as string);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(2000);
    expect(texts.join(' ')).toBe(words);
    expect(result.map((r) => r.json.message.quick_replies)).toEqual([undefined, undefined, [{ content_type: 'text', title: 'OK', payload: 'OK' }]]);
  });

  it('cuts quick-reply titles to 20 characters and defaults the payload to the full title', () => {
    expect(bodies({ text: 'Which store?', quickReplies: [{ title: 'Lyon Part-Dieu shopping centre' }] })[0].message.quick_replies).toEqual([
      { content_type: 'text', title: 'Lyon Part-Dieu shop…', payload: 'Lyon Part-Dieu shopping centre' },
    ]);
  });

  it('more than 13 quick replies: all written as a numbered list, none native', () => {
    const options = Array.from({ length: 14 }, (_, i) => ({ title: `Size ${i + 30}`, payload: `SIZE_${i + 30}` }));
    const [body] = bodies({ text: 'Which size?', quickReplies: options });
    expect(body.message).toEqual({ text: ['Which size?', ...options.map((o, i) => `${i + 1}. ${o.title}`)].join('\n') });
  });

  it('quick replies with no text: a numbered list is the text', () => {
    expect(bodies({ quickReplies: [{ title: 'Yes' }, { title: 'No' }] })[0].message).toEqual({ text: '1. Yes\n2. No' });
  });

  it('up to 3 buttons: a button template with postback, URL and call buttons', () => {
    const result = bodies({
      text: 'How can we help?',
      buttons: [
        { kind: Button_Kind.POSTBACK, title: 'Track order', value: 'TRACK' },
        { kind: Button_Kind.URL, title: 'Open shop', value: 'https://shop.example.com' },
        { kind: Button_Kind.PHONE, title: 'Call us', value: '+33123456789' },
      ],
    });
    expect(result).toEqual([
      {
        recipient,
        messaging_type: 'RESPONSE',
        message: {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'button',
              text: 'How can we help?',
              buttons: [
                { type: 'postback', title: 'Track order', payload: 'TRACK' },
                { type: 'web_url', title: 'Open shop', url: 'https://shop.example.com' },
                { type: 'phone_number', title: 'Call us', payload: '+33123456789' },
              ],
            },
          },
        },
      },
    ]);
  });

  it('button template text over 640: the head goes as plain text first', () => {
    const text = Array.from({ length: 150 }, (_, i) => `word${i}`).join(' '); // 1,039 chars
    const result = http({ text, buttons: [{ kind: Button_Kind.POSTBACK, title: 'OK', value: 'OK' }] });
    expect(result.map((r) => r.purpose)).toEqual(['text', 'button_template']);
    const head = result[0]!.json.message.text as string;
    const tail = result[1]!.json.message.attachment.payload.text as string;
    expect(tail.length).toBeLessThanOrEqual(640);
    expect(`${head} ${tail}`).toBe(text);
  });

  it('more than 3 buttons: a numbered list; URL and phone buttons show their target', () => {
    const [body] = bodies({
      text: 'Choose:',
      buttons: [
        { kind: Button_Kind.POSTBACK, title: 'Track', value: 'TRACK' },
        { kind: Button_Kind.POSTBACK, title: 'Return', value: 'RETURN' },
        { kind: Button_Kind.URL, title: 'FAQ', value: 'https://shop.example.com/faq' },
        { kind: Button_Kind.PHONE, title: 'Call', value: '+33123456789' },
      ],
    });
    expect(body.message).toEqual({ text: 'Choose:\n1. Track\n2. Return\n3. FAQ: https://shop.example.com/faq\n4. Call: +33123456789' });
  });

  it('cards: generic templates of at most 10 elements', () => {
    const cards = Array.from({ length: 12 }, (_, i) => ({
      title: `Jacket ${i + 1}`,
      subtitle: '€89',
      imageUrl: `https://cdn.example.com/j${i + 1}.jpg`,
      defaultUrl: `https://shop.example.com/j${i + 1}`,
      buttons: [
        { kind: Button_Kind.POSTBACK, title: 'Reserve', value: `RESERVE_${i + 1}` },
        { kind: Button_Kind.POSTBACK, title: 'b2', value: 'b2' },
        { kind: Button_Kind.POSTBACK, title: 'b3', value: 'b3' },
        { kind: Button_Kind.POSTBACK, title: 'b4 (dropped)', value: 'b4' },
      ],
    }));
    const result = http({ cards });
    expect(result.map((r) => r.purpose)).toEqual(['generic_template 1/2', 'generic_template 2/2']);
    expect(result.map((r) => r.json.message.attachment.payload.elements.length)).toEqual([10, 2]);
    expect(result[1]!.json.message.attachment.payload.elements[1]).toEqual({
      title: 'Jacket 12',
      subtitle: '€89',
      image_url: 'https://cdn.example.com/j12.jpg',
      default_action: { type: 'web_url', url: 'https://shop.example.com/j12' },
      buttons: [
        { type: 'postback', title: 'Reserve', payload: 'RESERVE_12' },
        { type: 'postback', title: 'b2', payload: 'b2' },
        { type: 'postback', title: 'b3', payload: 'b3' },
      ],
    });
  });

  it('media by URL, then its caption and the text as one text message', () => {
    expect(bodies({ text: 'Anything else?', media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/size-chart.png', caption: 'Our size chart' } })).toEqual([
      { recipient, messaging_type: 'RESPONSE', message: { attachment: { type: 'image', payload: { url: 'https://cdn.example.com/size-chart.png' } } } },
      { recipient, messaging_type: 'RESPONSE', message: { text: 'Our size chart\n\nAnything else?' } },
    ]);
  });

  it.each([
    [MediaKind.VIDEO, 'video'],
    [MediaKind.AUDIO, 'audio'],
    [MediaKind.FILE, 'file'],
    [MediaKind.STICKER, 'image'],
    [MediaKind.ANIMATED_GIF, 'image'],
  ])('media kind %s goes out as %s; an uploaded id as attachment_id', (kind, type) => {
    expect(bodies({ media: { kind, providerMediaId: '1857777774821032' } })[0].message).toEqual({ attachment: { type, payload: { attachment_id: '1857777774821032' } } });
  });

  it('sender actions are separate requests without messaging_type, sent first', () => {
    expect(http({ senderAction: SenderAction.TYPING_ON, text: 'One moment…' }).map((r) => [r.purpose, r.json])).toEqual([
      ['sender_action', { recipient, sender_action: 'typing_on' }],
      ['text', { recipient, messaging_type: 'RESPONSE', message: { text: 'One moment…' } }],
    ]);
    expect(bodies({ senderAction: SenderAction.MARK_SEEN })).toEqual([{ recipient, sender_action: 'mark_seen' }]);
    expect(bodies({ senderAction: SenderAction.TYPING_OFF })).toEqual([{ recipient, sender_action: 'typing_off' }]);
  });

  it('reactions: react with the emoji, unreact when it is empty (UNVERIFIED shape)', () => {
    expect(bodies({ reaction: { targetProviderMessageId: 'm_AbCdEf123', emoji: '❤' } })).toEqual([
      { recipient, sender_action: 'react', payload: { message_id: 'm_AbCdEf123', reaction: '❤' } },
    ]);
    expect(bodies({ reaction: { targetProviderMessageId: 'm_AbCdEf123', emoji: '' } })).toEqual([
      { recipient, sender_action: 'unreact', payload: { message_id: 'm_AbCdEf123' } },
    ]);
  });

  it('messaging_type and tag come from the delivery policy', () => {
    expect(bodies({ text: 'Following up.' }, { messagingType: DeliveryPolicy_MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT' })).toEqual([
      { recipient, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Following up.' } },
    ]);
    expect(bodies({ text: 'Your order shipped.' }, { messagingType: DeliveryPolicy_MessagingType.UPDATE })[0].messaging_type).toBe('UPDATE');
    expect(bodies({ text: 'Hi' }, { messagingType: DeliveryPolicy_MessagingType.UNSPECIFIED })[0].messaging_type).toBe('RESPONSE');
  });

  it('reply_to goes on the first message only', () => {
    const result = bodies({ media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/a.png' }, text: 'This one' }, { replyTo: 'm_AbCdEf123' });
    expect(result.map((b) => b.message.reply_to)).toEqual([{ mid: 'm_AbCdEf123' }, undefined]);
  });

  it.each([
    ['a template (no Messenger shape yet)', approved({ template: { name: 'x', language: 'en_US' } }), /template/],
    ['MESSAGE_TAG without a tag', approved({ text: 'x' }, { messagingType: DeliveryPolicy_MessagingType.MESSAGE_TAG }), /tag/],
    ['no recipient', create(OutboundApprovedSchema, { id: 'x', request: { content: { text: 'x' } } }), /recipient/],
  ])('refuses %s loudly rather than sending something wrong', (_name, input, message) => {
    expect(() => adapter.format(input)).toThrow(message);
  });
});

describe('createMessengerAdapter', () => {
  it.each([
    [{ appSecret: '', verifyToken: 'v', pageAccessToken: 't' }, /appSecret/],
    [{ appSecret: 's', verifyToken: '', pageAccessToken: 't' }, /verifyToken/],
    [{ appSecret: 's', verifyToken: 'v', pageAccessToken: '' }, /pageAccessToken/],
    [{ appSecret: 's', verifyToken: 'v', pageAccessToken: 't', graphApiVersion: '24' }, /graphApiVersion/],
  ])('refuses incomplete configuration %#', (config, message) => {
    expect(() => createMessengerAdapter(config)).toThrow(message);
  });
});
