import { Channel, DeliveryState, Direction, ErrorCode, SenderAction, timestampFromDate, timestampFromMs } from '@omni/contracts';
import type { ChannelAdapter, ChannelEvent, ProviderRequest } from '../adapter';
import { hmacHex } from '../crypto';
import { MalformedPayloadError } from '../errors';
import { parseJsonObject } from '../json';
import { numberedList, splitText } from '../text';
import { answerVerifyTokenChallenge, verifyHexHmacHeader } from '../webhook-auth';
import {
  checkInterpretError,
  checkOutboundSample,
  checkParse,
  checkRejectsMalformed,
  checkSignature,
  describeChannelConformance,
  withContent,
  type ConformanceFixtures,
} from './index';

/**
 * A toy channel, small enough to read in one go, that the kit must accept; then broken copies of
 * it that the kit must catch. (It borrows the sms slug only because slugs are a closed set.)
 * Wire format: {"account":"A","events":[{"id","from","ts","text"?,"receipt"?,"kind"?}]},
 * signed with `x-toy-signature: sha256=<hex>`, answering a `?challenge=&token=` handshake.
 */
const SECRET = 'toy-secret';
const TOKEN = 'toy-api-token';

function toyAdapter(): ChannelAdapter {
  const readBody = (body: Buffer) => {
    const json = parseJsonObject(body);
    if (typeof json.account !== 'string' || !Array.isArray(json.events)) throw new MalformedPayloadError('not a toy webhook');
    return json as { account: string; events: Array<Record<string, unknown>> };
  };
  return {
    channel: Channel.SMS,
    slug: 'sms',
    webhookPaths: ['/webhooks/toy'],
    capabilities: {
      textLimit: 50,
      quickReplyLimit: 3,
      quickReplyTitleLimit: 10,
      buttonLimit: 0,
      carouselLimit: 0,
      mediaKinds: [],
      templates: false,
      receipts: { delivery: true, read: false },
      typingIndicator: false,
      markSeen: false,
      echoes: false,
      window: { kind: 'none', hours: 0, outside: 'none' },
    },
    handshake: (request) =>
      answerVerifyTokenChallenge(request, { verifyToken: 'verify-me', modeParam: 'mode', tokenParam: 'token', challengeParam: 'challenge', expectedMode: 'subscribe' }),
    verify: (request) => verifyHexHmacHeader(request.headers['x-toy-signature'], 'sha256=', SECRET, request.rawBody),
    inspect: (request) => {
      const body = readBody(request.rawBody);
      return { accountId: body.account, threadKey: String(body.events[0]?.from ?? body.account) };
    },
    parse: (raw) => {
      const body = readBody(raw.body);
      return body.events.map((e): ChannelEvent => {
        const base = { channel: Channel.SMS, accountId: body.account, providerTimestamp: timestampFromMs(Number(e.ts)) };
        if (e.receipt === 'delivered') {
          return { type: 'status', dedupeKey: `${e.id}:delivered`, status: { channel: Channel.SMS, providerMessageId: String(e.id), state: DeliveryState.DELIVERED, occurredAt: base.providerTimestamp } };
        }
        const content =
          typeof e.text === 'string'
            ? { kind: { case: 'text' as const, value: { text: e.text } } }
            : { kind: { case: 'unsupported' as const, value: { providerType: String(e.kind ?? 'unknown'), providerJson: JSON.stringify(e) } } };
        return {
          type: 'message',
          dedupeKey: String(e.id),
          message: { ...base, providerMessageId: String(e.id), direction: Direction.INBOUND, sender: { channelUserId: String(e.from) }, receivedAt: timestampFromDate(raw.receivedAt), content },
        };
      });
    },
    format: (approved) => {
      const content = approved.request?.content;
      const to = approved.request?.recipient?.channelUserId ?? '';
      const options = content?.quickReplies ?? [];
      const native = options.length <= 3;
      const text = native ? content?.text ?? '' : numberedList(content?.text ?? '', options);
      const extra = [...(content?.buttons ?? []), ...(content?.cards ?? [])].map((o) => o.title);
      const parts = splitText(numberedList(text, extra.map((title) => ({ title }))) || ' ', 50);
      return parts.map((part, i) => ({
        method: 'POST',
        path: '/v1/send',
        json: { to, text: part, ...(native && i === parts.length - 1 && options.length ? { options: options.map((o) => o.title.slice(0, 10)) } : {}) },
        purpose: `text ${i + 1}/${parts.length}`,
      }));
    },
    toHttp: (request) => ({
      method: request.method,
      pathAndQuery: request.path,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(request.json),
    }),
    interpret: (_request, response) => {
      const body = response.body as { id?: string; error?: { code?: number } } | null;
      if (response.status < 300 && typeof body?.id === 'string') return { ok: true, providerMessageId: body.id };
      if (response.status >= 500) return { ok: false, error: { code: ErrorCode.PROVIDER_DOWN, retryable: true, message: 'provider down' } };
      if (typeof body === 'object' && body?.error?.code === 429) return { ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true, providerCode: '429' } };
      return { ok: false, error: { code: ErrorCode.UNKNOWN, retryable: false, message: 'unknown answer' } };
    },
  };
}

const body = (events: unknown[]) => JSON.stringify({ account: 'acct-1', events });

const fixtures: ConformanceFixtures = {
  secret: SECRET,
  sign: (request, secret) => ({ 'x-toy-signature': `sha256=${hmacHex('sha256', secret, request.rawBody)}` }),
  handshake: {
    query: { mode: 'subscribe', token: 'verify-me', challenge: 'abc123' },
    expectedBody: 'abc123',
    wrongTokenQuery: { mode: 'subscribe', token: 'nope', challenge: 'abc123' },
  },
  signedWebhooks: [
    { name: 'text', body: body([{ id: 'e1', from: 'u1', ts: 1717171717000, text: 'hi' }]) },
    { name: 'text and receipt', body: body([{ id: 'e2', from: 'u1', ts: 1717171718000, text: 'yo' }, { id: 'e0', from: 'u1', ts: 1717171719000, receipt: 'delivered' }]) },
  ],
  unsupportedWebhooks: [{ name: 'poke', body: body([{ id: 'e3', from: 'u2', ts: 1717171720000, kind: 'poke' }]) }],
  outbound: {
    base: { id: 'out-1', request: { accountId: 'acct-1', recipient: { channelUserId: 'u1' } } },
    describeRequest: (request: ProviderRequest) => {
      const json = request.json as { text: string; options?: string[] };
      return { texts: [json.text], quickReplyTitles: json.options ?? [], buttonTitles: [], cards: 0 };
    },
  },
  successResponses: [{ name: 'sent', response: { status: 200, headers: {}, body: { id: 'p-1' } }, providerMessageId: 'p-1' }],
  errorResponses: [{ name: 'rate limited', response: { status: 400, headers: {}, body: { error: { code: 429 } } }, expectedCode: ErrorCode.RATE_LIMITED, retryable: true }],
  credentials: [TOKEN],
};

describeChannelConformance('toy', { adapter: toyAdapter(), fixtures });

describe('the kit catches broken channels', () => {
  const good = toyAdapter();
  const textSample = { name: 'long text', approved: withContent(fixtures.outbound.base, { text: 'word '.repeat(40) }), preservedText: 'word '.repeat(40) };

  it('a verifier that accepts anything', () => {
    const broken: ChannelAdapter = { ...good, verify: () => ({ ok: true }) };
    expect(() => checkSignature(broken, fixtures, fixtures.signedWebhooks[0]!)).toThrow();
  });

  it('a formatter that ignores the text limit', () => {
    const broken: ChannelAdapter = {
      ...good,
      format: (approved) => [{ method: 'POST', path: '/v1/send', json: { to: 'u1', text: approved.request?.content?.text ?? '' }, purpose: 'text' }],
    };
    expect(() => checkOutboundSample(broken, fixtures, textSample)).toThrow();
    expect(() => checkOutboundSample(good, fixtures, textSample)).not.toThrow();
  });

  it('a formatter that drops text when splitting', () => {
    const broken: ChannelAdapter = { ...good, format: (approved) => good.format(approved).slice(0, 1) };
    expect(() => checkOutboundSample(broken, fixtures, textSample)).toThrow();
  });

  it('a formatter that leaks the token into the request', () => {
    const broken: ChannelAdapter = { ...good, format: (approved) => good.format(approved).map((r) => ({ ...r, query: { token: TOKEN } })) };
    expect(() => checkOutboundSample(broken, fixtures, textSample)).toThrow();
  });

  it('a parser that forgets dedupe keys, or gives two events one key', () => {
    const noKey: ChannelAdapter = { ...good, parse: (raw) => good.parse(raw).map((e) => ({ ...e, dedupeKey: '' })) };
    expect(() => checkParse({ adapter: noKey }, fixtures, fixtures.signedWebhooks[0]!)).toThrow();
    const sameKey: ChannelAdapter = { ...good, parse: (raw) => good.parse(raw).map((e) => ({ ...e, dedupeKey: 'same' })) };
    expect(() => checkParse({ adapter: sameKey }, fixtures, fixtures.signedWebhooks[1]!)).toThrow();
  });

  it('a parser that is not deterministic', () => {
    let calls = 0;
    const broken: ChannelAdapter = { ...good, parse: (raw) => good.parse(raw).map((e) => ({ ...e, dedupeKey: `${e.dedupeKey}-${calls++}` })) };
    expect(() => checkParse({ adapter: broken }, fixtures, fixtures.signedWebhooks[0]!)).toThrow();
  });

  it('an inspector that throws a plain Error on garbage', () => {
    const broken: ChannelAdapter = { ...good, inspect: () => { throw new Error('boom'); } };
    expect(() => checkRejectsMalformed(broken, fixtures, { name: 'garbage', body: 'garbage' })).toThrow();
  });

  it('an error mapping that calls a rate limit final', () => {
    const broken: ChannelAdapter = { ...good, interpret: () => ({ ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: false } }) };
    const request = good.format(withContent(fixtures.outbound.base, { text: 'hi', senderAction: SenderAction.UNSPECIFIED }))[0]!;
    expect(() => checkInterpretError(broken, fixtures, request, fixtures.errorResponses[0]!)).toThrow();
  });
});
