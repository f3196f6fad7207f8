import { createHmac } from 'node:crypto';
import type { HttpRequestSpec } from '@omni/channel-sdk';
import {
  Button_Kind,
  Channel,
  create,
  MediaKind,
  OutboundApprovedSchema,
  SenderAction,
  type MessageInitShape,
  type OutboundContentSchema,
} from '@omni/contracts';
import { BUSINESS_ID, CUSTOMER_ID } from '../fixtures';
import { createTwitterAdapter } from './adapter';

const credentials = {
  consumerKey: 'ck-omni',
  consumerSecret: 'cs-omni-secret',
  accessToken: `${BUSINESS_ID}-at`,
  accessTokenSecret: 'ats-secret',
};
const context = { now: new Date('2026-07-24T21:30:00.000Z'), nonce: 'n0nce123' };
const v2Path = `/2/dm_conversations/with/${CUSTOMER_ID}/messages`;

function approved(content: MessageInitShape<typeof OutboundContentSchema>, extra: { replyTo?: string } = {}) {
  return create(OutboundApprovedSchema, {
    id: 'out-1',
    request: {
      id: 'req-1',
      channel: Channel.TWITTER,
      accountId: BUSINESS_ID,
      recipient: { channelUserId: CUSTOMER_ID },
      content,
      replyToProviderMessageId: extra.replyTo ?? '',
    },
  });
}

function send(content: MessageInitShape<typeof OutboundContentSchema>, options: { legacy?: boolean; replyTo?: string } = {}) {
  const adapter = createTwitterAdapter({ ...credentials, useLegacyV1: options.legacy ?? false });
  return adapter.format(approved(content, options)).map((r) => ({ purpose: r.purpose, http: adapter.toHttp(r, context) }));
}

/** The exact request minus the Authorization header, which is checked on its own below. */
function unsigned(spec: HttpRequestSpec) {
  const { authorization, ...headers } = spec.headers;
  expect(authorization).toMatch(/^OAuth oauth_consumer_key="ck-omni", oauth_nonce="n0nce123", oauth_signature="[^"]+", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1784928600", oauth_token="1111111111111111111-at", oauth_version="1.0"$/);
  return { ...spec, headers, body: spec.body === undefined ? undefined : spec.headers['content-type'] === 'application/json' ? JSON.parse(spec.body) : spec.body };
}

const options = [
  { title: 'Track my order', payload: 'TRACK_ORDER', description: 'See where your parcel is' },
  { title: 'Start a return', payload: 'RETURN', description: 'Print a free label' },
];

describe('X outbound: format + toHttp', () => {
  it('sends text with v2 and signs it with OAuth 1.0a over the absolute URL (JSON body unsigned)', () => {
    const [request] = send({ text: 'Your parcel ships tomorrow.' });
    expect(request!.purpose).toBe('text');
    expect(unsigned(request!.http)).toEqual({
      method: 'POST',
      pathAndQuery: v2Path,
      headers: { 'content-type': 'application/json' },
      body: { text: 'Your parcel ships tomorrow.' },
    });
    // Independent re-computation of the signature (RFC 5849 by hand).
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const params = `oauth_consumer_key=ck-omni&oauth_nonce=n0nce123&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1784928600&oauth_token=${BUSINESS_ID}-at&oauth_version=1.0`;
    const base = `POST&${enc(`https://api.x.com${v2Path}`)}&${enc(params)}`;
    const signature = createHmac('sha1', 'cs-omni-secret&ats-secret').update(base).digest('base64');
    expect(request!.http.headers['authorization']).toContain(`oauth_signature="${enc(signature)}"`);
  });

  it('signs against the configured API base URL (TWITTER_API_BASE_URL)', () => {
    const adapter = createTwitterAdapter({ ...credentials, apiBaseUrl: 'http://127.0.0.1:4010/' });
    const defaultAdapter = createTwitterAdapter(credentials);
    const [request] = adapter.format(approved({ text: 'hi' }));
    expect(adapter.toHttp(request!, context).headers['authorization']).not.toBe(defaultAdapter.toHttp(request!, context).headers['authorization']);
  });

  it('splits text longer than 10,000 characters into ordered parts', () => {
    const long = `${'a'.repeat(9_990)} ${'b'.repeat(50)}`;
    const requests = send({ text: long });
    expect(requests.map((r) => r.purpose)).toEqual(['text 1/2', 'text 2/2']);
    expect(requests.map((r) => unsigned(r.http).body)).toEqual([{ text: 'a'.repeat(9_990) }, { text: 'b'.repeat(50) }]);
  });

  it('degrades quick replies to a numbered list when v1.1 is off (v2 has none)', () => {
    const [request] = send({ text: 'How can we help?', quickReplies: options });
    expect(unsigned(request!.http).body).toEqual({ text: 'How can we help?\n1. Track my order\n2. Start a return' });
  });

  it('sends native v1.1 quick replies when useLegacyV1 is on', () => {
    const [request] = send({ text: 'How can we help?', quickReplies: options }, { legacy: true });
    expect(request!.purpose).toBe('quick_replies');
    expect(unsigned(request!.http)).toEqual({
      method: 'POST',
      pathAndQuery: '/1.1/direct_messages/events/new.json',
      headers: { 'content-type': 'application/json' },
      body: {
        event: {
          type: 'message_create',
          message_create: {
            target: { recipient_id: CUSTOMER_ID },
            message_data: {
              text: 'How can we help?',
              quick_reply: {
                type: 'options',
                options: [
                  { label: 'Track my order', description: 'See where your parcel is', metadata: 'TRACK_ORDER' },
                  { label: 'Start a return', description: 'Print a free label', metadata: 'RETURN' },
                ],
              },
            },
          },
        },
      },
    });
  });

  it('applies v1.1 option limits: label ≤ 36, description all-or-none and ≤ 72', () => {
    const [request] = send(
      {
        text: 'Pick one',
        quickReplies: [
          { title: 'A very long option label that will not fit at all', payload: 'LONG', description: 'x'.repeat(100) },
          { title: 'Short', payload: 'SHORT' },
        ],
      },
      { legacy: true },
    );
    const sent = unsigned(request!.http).body.event.message_create.message_data.quick_reply.options;
    expect(sent).toEqual([
      { label: `${'A very long option label that will not fit at all'.slice(0, 35)}…`, metadata: 'LONG' },
      { label: 'Short', metadata: 'SHORT' },
    ]);
    expect(Array.from(sent[0].label as string)).toHaveLength(36);
  });

  it('falls back to a numbered list when options exceed v1.1 limits (21 options, or a payload > 1,000)', () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ title: `Option ${i + 1}`, payload: `P${i + 1}` }));
    const [tooMany] = send({ text: 'Pick', quickReplies: many }, { legacy: true });
    expect(tooMany!.http.pathAndQuery).toBe(v2Path);
    expect(unsigned(tooMany!.http).body.text).toMatch(/^Pick\n1\. Option 1\n[\s\S]*\n21\. Option 21$/);
    const [bigPayload] = send({ text: 'Pick', quickReplies: [{ title: 'A', payload: 'x'.repeat(1_001) }] }, { legacy: true });
    expect(unsigned(bigPayload!.http).body).toEqual({ text: 'Pick\n1. A' });
  });

  it('puts v1.1 quick replies on the last part of a split text', () => {
    const requests = send({ text: `${'a'.repeat(9_999)} tail`, quickReplies: options }, { legacy: true });
    expect(requests.map((r) => [r.purpose, r.http.pathAndQuery])).toEqual([
      ['text 1/2', v2Path],
      ['quick_replies 2/2', '/1.1/direct_messages/events/new.json'],
    ]);
  });

  it('attaches an uploaded media id to the first part', () => {
    const [request] = send({ text: 'Your label', media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/l.png', providerMediaId: '1880028106020515840' } });
    expect(unsigned(request!.http).body).toEqual({ text: 'Your label', attachments: [{ media_id: '1880028106020515840' }] });
  });

  it('sends media alone when there is no text', () => {
    const [request] = send({ media: { kind: MediaKind.IMAGE, providerMediaId: '1880028106020515840' } });
    expect(request!.purpose).toBe('media');
    expect(unsigned(request!.http).body).toEqual({ attachments: [{ media_id: '1880028106020515840' }] });
  });

  it('sends media without an uploaded id as a link in the text (v2 needs a media id)', () => {
    const [request] = send({ text: 'Your label', media: { kind: MediaKind.FILE, url: 'https://cdn.example.com/label.pdf', caption: 'Print me' } });
    expect(unsigned(request!.http).body).toEqual({ text: 'Your label\nPrint me\nhttps://cdn.example.com/label.pdf' });
  });

  it('turns buttons and cards into text lines; postback buttons join the numbered options', () => {
    const [request] = send({
      text: 'Choose',
      buttons: [
        { kind: Button_Kind.URL, title: 'Order page', value: 'https://shop.example.com/o/1' },
        { kind: Button_Kind.POSTBACK, title: 'Talk to a human', value: 'HUMAN' },
        { kind: Button_Kind.PHONE, title: 'Call us', value: '+14155550100' },
      ],
      cards: [{ title: 'Blue kettle', subtitle: '£39', defaultUrl: 'https://shop.example.com/p/9', buttons: [{ kind: Button_Kind.POSTBACK, title: 'Buy', value: 'BUY_9' }] }],
    });
    expect(unsigned(request!.http).body).toEqual({
      text: [
        'Choose',
        'Blue kettle — £39',
        'https://shop.example.com/p/9',
        'Order page: https://shop.example.com/o/1',
        'Call us: +14155550100',
        '1. Talk to a human',
        '2. Buy',
      ].join('\n'),
    });
  });

  it('sends typing and mark-read through v1.1 form requests when useLegacyV1 is on', () => {
    const [typing] = send({ senderAction: SenderAction.TYPING_ON }, { legacy: true });
    expect(typing!.purpose).toBe('typing');
    expect(unsigned(typing!.http)).toEqual({
      method: 'POST',
      pathAndQuery: '/1.1/direct_messages/indicate_typing.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `recipient_id=${CUSTOMER_ID}`,
    });
    const [read] = send({ senderAction: SenderAction.MARK_SEEN }, { legacy: true, replyTo: '2080765901528535096' });
    expect(unsigned(read!.http)).toEqual({
      method: 'POST',
      pathAndQuery: '/1.1/direct_messages/mark_read.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `last_read_event_id=2080765901528535096&recipient_id=${CUSTOMER_ID}`,
    });
  });

  it('makes no request for typing, typing-off, mark-read or reactions when X has no API for them', () => {
    expect(send({ senderAction: SenderAction.TYPING_ON })).toEqual([]);
    expect(send({ senderAction: SenderAction.MARK_SEEN }, { replyTo: '2080765901528535096' })).toEqual([]);
    expect(send({ senderAction: SenderAction.TYPING_OFF }, { legacy: true })).toEqual([]);
    expect(send({ senderAction: SenderAction.MARK_SEEN }, { legacy: true })).toEqual([]); // nothing to mark
    expect(send({ reaction: { targetProviderMessageId: '2080765901528535096', emoji: '👍' } })).toEqual([]);
  });

  it('refuses a template: X has none, and silently sending nothing would lose the message', () => {
    expect(() => send({ template: { name: 'order_update', language: 'en' } })).toThrow(/templates/);
  });

  it('refuses an outbound without a recipient', () => {
    const adapter = createTwitterAdapter(credentials);
    expect(() => adapter.format(create(OutboundApprovedSchema, { id: 'x', request: { content: { text: 'hi' } } }))).toThrow(/recipient/);
  });
});
