import { encodingProblem, MalformedPayloadError, MAX_JSON_DEPTH, type ChannelEvent, type RawWebhook } from '@omni/channel-sdk';
import { createMessengerAdapter } from '@omni/channel-messenger';
import { TWILIO_MAX_MEDIA } from '@omni/channel-sms';
import { Channel } from '@omni/contracts';
import { PARSERS } from './parsers';

/**
 * Signed but poisonous bodies (issue "security and bad input", finding 4 and 5): each once passed
 * the gateway and then failed in the normalizer, was retried and dead-lettered with every sibling
 * event of its webhook. Now: the bad event is kept as `unreadable:*` unsupported content with the
 * reason, its siblings are read as usual, and every event can be written to its topic.
 */
const RECEIVED_AT = new Date('2026-07-24T21:30:00.000Z');

function raw(body: string, contentType = 'application/json', webhookPath = '/webhooks/x'): RawWebhook {
  return { accountId: '106540352242922', body: Buffer.from(body), contentType, webhookPath, receivedAt: RECEIVED_AT, headers: {} };
}

function parse(channel: Channel, body: RawWebhook): ChannelEvent[] {
  const events = PARSERS.get(channel)!.parse(body);
  for (const event of events) expect({ dedupeKey: event.dedupeKey, problem: encodingProblem(event) }).toEqual({ dedupeKey: event.dedupeKey, problem: undefined });
  return events;
}

const messenger = (first: string) =>
  `{"object":"page","entry":[{"id":"104857600000001","time":1717171730999,"messaging":[` +
  `{"sender":{"id":"6543210987654321"},"recipient":{"id":"104857600000001"},${first}},` +
  `{"sender":{"id":"7654321098765432"},"recipient":{"id":"104857600000001"},"timestamp":1717171730200,"message":{"mid":"m_Sibling","text":"sibling"}}]}]}`;

const whatsapp = (timestamp: string) =>
  `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",` +
  `"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[` +
  `{"from":"5215512345678","id":"wamid.BAD","timestamp":${timestamp},"type":"text","text":{"body":"bad time"}},` +
  `{"from":"5215512345678","id":"wamid.SIBLING","timestamp":"1717171717","type":"text","text":{"body":"sibling"}}]}}]}]}`;

function textOf(event: ChannelEvent): string | undefined {
  return event.type === 'message' && event.message.content?.kind?.case === 'text' ? event.message.content.kind.value.text : undefined;
}

function secondsOf(event: ChannelEvent): bigint | undefined {
  return event.type === 'message' ? event.message.providerTimestamp?.seconds : undefined;
}

describe('poisonous bodies are parsed totally', () => {
  it.each([
    ['1e30', '1e30'],
    ['1e16 (past year 9999)', '1e16'],
    ['1717171717512.3 (fractional ms)', '1717171717512.3'],
  ])('Messenger timestamp %s: both messages kept, the bad time replaced by a valid one', (_name, timestamp) => {
    const events = parse(Channel.MESSENGER, raw(messenger(`"timestamp":${timestamp},"message":{"mid":"m_Bad","text":"bad time"}`)));
    expect(events.map(textOf)).toEqual(['bad time', 'sibling']);
    for (const event of events) expect(secondsOf(event)).toBeGreaterThan(0n);
    if (timestamp.includes('.')) expect(secondsOf(events[0]!)).toBe(1717171717n); // truncated, not dropped
  });

  it.each([
    ['"1e20"', '"1e20"'],
    ['"1717171717.0001"', '"1717171717.0001"'],
  ])('WhatsApp timestamp %s: both messages kept', (_name, timestamp) => {
    const events = parse(Channel.WHATSAPP, raw(whatsapp(timestamp)));
    expect(events.map(textOf)).toEqual(['bad time', 'sibling']);
  });

  it('Messenger sticker_id {"toString":1}: the sticker is kept without an id, its sibling too', () => {
    const events = parse(
      Channel.MESSENGER,
      raw(messenger(`"timestamp":1717171730100,"message":{"mid":"m_Sticker","attachments":[{"type":"image","payload":{"url":"https://x.example/s.png","sticker_id":{"toString":1}}}]}`)),
    );
    expect(events).toHaveLength(2);
    expect(events[0]!.type === 'message' && events[0]!.message.content?.kind?.case).toBe('media');
    expect(textOf(events[1]!)).toBe('sibling');
  });

  it('~400 KB of nested arrays is refused as malformed (the gateway answers 400 with the field), never overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(200_000)}`;
    const body = messenger(`"timestamp":1717171730100,"optin":${deep}`);
    expect(() => PARSERS.get(Channel.MESSENGER)!.parse(raw(body))).toThrow(MalformedPayloadError);
    const adapter = createMessengerAdapter({ appSecret: 's', verifyToken: 'v', pageAccessToken: 'p' });
    const request = { method: 'POST' as const, path: '/webhooks/messenger', url: 'https://x/webhooks/messenger', query: {}, headers: {}, rawBody: Buffer.from(body) };
    expect(() => adapter.inspect(request)).toThrow(expect.objectContaining({ field: 'body', message: `body nests deeper than ${MAX_JSON_DEPTH} levels` }));
    // Nesting up to the limit is still read.
    const ok = `${'['.repeat(MAX_JSON_DEPTH - 6)}1${']'.repeat(MAX_JSON_DEPTH - 6)}`;
    expect(parse(Channel.MESSENGER, raw(messenger(`"timestamp":1717171730100,"optin":${ok}`)))).toHaveLength(2);
  });

  it(`SMS NumMedia=9e15 (and 1e300, -1) ends at once with at most ${TWILIO_MAX_MEDIA} media`, () => {
    const media = Array.from({ length: 12 }, (_, i) => `&MediaUrl${i}=https%3A%2F%2Fapi.twilio.com%2Fm${i}&MediaContentType${i}=image%2Fjpeg`).join('');
    for (const numMedia of ['9e15', '1e300', '-1', '12']) {
      const started = Date.now();
      const events = parse(
        Channel.SMS,
        raw(`MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC1&From=%2B14155550100&To=%2B14155550101&Body=hi&NumMedia=${numMedia}${media}`, 'application/x-www-form-urlencoded', '/webhooks/sms'),
      );
      expect(Date.now() - started).toBeLessThan(1000);
      const mediaEvents = events.filter((e) => e.type === 'message' && e.message.content?.kind?.case === 'media');
      expect({ numMedia, media: mediaEvents.length }).toEqual({ numMedia, media: numMedia === '-1' ? 0 : TWILIO_MAX_MEDIA });
    }
  });
});
