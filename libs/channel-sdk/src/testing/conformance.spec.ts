import { Channel, DeliveryState, Direction, ErrorCode, SenderAction, timestampFromDate, timestampFromMs } from '@omni/contracts';
import type { ChannelAdapter, ChannelEvent, ProviderRequest } from '../adapter';
import { hmacHex } from '../crypto';
import { MalformedPayloadError } from '../errors';
import { parseJsonObject } from '../json';
import { numberedList, splitText } from '../text';
import { answerVerifyTokenChallenge, verifyHexHmacHeader, verifySecretHeader } from '../webhook-auth';
import {
  checkAccountAgreement,
  checkInterpretError,
  checkOutboundSample,
  checkParse,
  checkRejectsMalformed,
  checkSignature,
  checkToHttp,
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
    auth: { kind: 'body-signature' },
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

/**
 * The same toy authenticated the way Telegram does it: a fixed secret in one header, covering no
 * body bytes, and an API that wants a path prefix (`/bot<token>`).
 */
const HEADER = 'x-toy-secret';
const HEADER_SECRET = 'Toy-Header-Secret_42';

function headerSecretToy(): ChannelAdapter {
  const base = toyAdapter();
  return {
    ...base,
    auth: { kind: 'header-secret', header: HEADER },
    apiPathPrefix: `/bot${TOKEN}`,
    verify: (request) => verifySecretHeader(request.headers[HEADER], HEADER_SECRET),
    toHttp: (request, context) => ({ ...base.toHttp(request, context), pathAndQuery: `/bot${TOKEN}${request.path}` }),
  };
}

const headerFixtures: ConformanceFixtures = { ...fixtures, secret: HEADER_SECRET, sign: (_request, secret) => ({ [HEADER]: secret }) };

describeChannelConformance('toy with a header secret', { adapter: headerSecretToy(), fixtures: headerFixtures });

describe('the kit checks what fits each auth kind', () => {
  const webhook = fixtures.signedWebhooks[0]!;

  describe('a header-secret adapter, broken', () => {
    const good = headerSecretToy();
    const given = (request: Parameters<ChannelAdapter['verify']>[0]) => request.headers[HEADER] ?? '';
    const cases: Array<[string, ChannelAdapter['verify'] | undefined, Partial<ChannelAdapter>, RegExp]> = [
      ['accepts any secret the real one starts with (prefix compare)', (r) => (given(r).startsWith(HEADER_SECRET) ? { ok: true } : { ok: false, status: 403, reason: 'no' }), {}, /secret with one character appended/],
      ['accepts a secret the real one starts with (truncation)', (r) => (given(r) !== '' && HEADER_SECRET.startsWith(given(r)) ? { ok: true } : { ok: false, status: 403, reason: 'no' }), {}, /secret with its last character cut/],
      ['compares without case', (r) => (given(r).toLowerCase() === HEADER_SECRET.toLowerCase() ? { ok: true } : { ok: false, status: 403, reason: 'no' }), {}, /secret in another letter case/],
      ['lets a request without the header through', (r) => (r.headers[HEADER] === undefined ? { ok: true } : good.verify(r)), {}, /signature header missing/],
      ['claims its secret signs the body', undefined, { auth: { kind: 'body-signature' } }, /body with a trailing space/],
    ];
    it.each(cases)('%s', (_name, verify, override, failure) => {
      const broken: ChannelAdapter = { ...good, ...(verify ? { verify } : {}), ...override };
      expect(() => checkSignature(broken, headerFixtures, webhook)).toThrow(failure);
    });
    it('passes the same checks when right', () => expect(() => checkSignature(good, headerFixtures, webhook)).not.toThrow());
  });

  describe('a body-signature adapter, broken', () => {
    const good = toyAdapter();
    const cases: Array<[string, ChannelAdapter['verify'] | undefined, Partial<ChannelAdapter>, RegExp]> = [
      ['only checks that a signature header is there', (r) => (r.headers['x-toy-signature'] ? { ok: true } : { ok: false, status: 401, reason: 'missing' }), {}, /signed with a wrong secret/],
      ['signs the trimmed body, not the raw bytes', (r) => verifyHexHmacHeader(r.headers['x-toy-signature'], 'sha256=', SECRET, Buffer.from(r.rawBody.toString('utf8').trim())), {}, /body with a trailing space/],
      ['claims to be a header secret', undefined, { auth: { kind: 'header-secret', header: 'x-toy-signature' } }, /secret with one character appended|same secret, other body/],
    ];
    it.each(cases)('%s', (_name, verify, override, failure) => {
      const broken: ChannelAdapter = { ...good, ...(verify ? { verify } : {}), ...override };
      expect(() => checkSignature(broken, fixtures, webhook)).toThrow(failure);
    });
    it('passes the same checks when right', () => expect(() => checkSignature(good, fixtures, webhook)).not.toThrow());
  });

  describe('API paths', () => {
    const request = { method: 'POST' as const, path: '/v1/send', json: { to: 'u1', text: 'hi' }, purpose: 'text' };
    const context = { now: new Date('2026-01-15T10:00:00Z'), nonce: 'n' };
    it('accepts the declared provider prefix', () => expect(() => checkToHttp(headerSecretToy(), request, context)).not.toThrow());
    it('refuses a prefix the adapter does not declare', () => {
      const broken: ChannelAdapter = { ...headerSecretToy(), apiPathPrefix: undefined };
      expect(() => checkToHttp(broken, request, context)).toThrow(/pathAndQuery/);
    });
    it('refuses a path other than prefix + request path', () => {
      const good = headerSecretToy();
      const broken: ChannelAdapter = { ...good, toHttp: (r, c) => ({ ...good.toHttp(r, c), pathAndQuery: `/bot${TOKEN}/v2${r.path}` }) };
      expect(() => checkToHttp(broken, request, context)).toThrow(/pathAndQuery/);
    });
  });

  describe('inspect and parse agree on the account', () => {
    const good = toyAdapter();
    it('passes when they do', () => expect(() => checkAccountAgreement({ adapter: good }, fixtures, webhook)).not.toThrow());
    it('catches an inspect naming another account', () => {
      const broken: ChannelAdapter = { ...good, inspect: (r) => ({ ...good.inspect(r), accountId: 'someone-else' }) };
      expect(() => checkAccountAgreement({ adapter: broken }, fixtures, webhook)).toThrow(/account/);
    });
    it('catches a parser that ignores the account the record carries when the body has none', () => {
      // A Telegram-like body names no account: inspect knows it from config, parse must read raw.accountId.
      const fromRecord: ChannelAdapter = {
        ...good,
        inspect: (r) => ({ ...good.inspect(r), accountId: 'bot-7' }),
        parse: (raw) => good.parse(raw).map((e) => (e.type === 'message' ? { ...e, message: { ...e.message, accountId: raw.accountId } } : e)),
      };
      expect(() => checkAccountAgreement({ adapter: fromRecord }, fixtures, webhook)).not.toThrow();
      const ignoring: ChannelAdapter = { ...fromRecord, parse: (raw) => fromRecord.parse({ ...raw, accountId: 'bot' }) };
      expect(() => checkAccountAgreement({ adapter: ignoring }, fixtures, webhook)).toThrow(/account/);
    });
  });
});
