import {
  ConsentChangedSchema,
  ConsentState,
  create,
  DeliveryState,
  Direction,
  ErrorCode,
  MessageSchema,
  MessageStatusSchema,
  toBinary,
} from '@omni/contracts';
import type { ChannelAdapter, ChannelEvent, ChannelParser, ProviderRequest, RawWebhook, WebhookRequest } from '../adapter';
import { MalformedPayloadError } from '../errors';
import type { ConformanceFixtures, UnsignedWebhookRequest, WebhookFixture } from './fixtures';
import type { OutboundSample } from './samples';

/**
 * The individual checks behind `describeChannelConformance`. Each throws (through jest's `expect`)
 * with a message that says which rule the channel broke; they are exported so a channel's own
 * spec can run one on a single case, and so the kit can test itself against broken adapters.
 */

export const DEFAULT_RECEIVED_AT = new Date('2026-01-15T10:00:00.000Z');
export const DEFAULT_NOW = new Date('2026-01-15T10:00:05.000Z');
const PUBLIC_ORIGIN = 'https://gateway.example.test';

/** Bodies no provider sends: every channel must refuse them as malformed (→ 400). */
export const GENERIC_MALFORMED_BODIES: ReadonlyArray<{ name: string; body: string | Buffer }> = [
  { name: 'empty body', body: '' },
  { name: 'plain text', body: 'this is not a webhook' },
  { name: 'empty JSON object', body: '{}' },
  { name: 'JSON array', body: '[1,2,3]' },
  { name: 'JSON null', body: 'null' },
  { name: 'truncated JSON', body: '{"object":"page","entry":[{"id":' },
  { name: 'wrong shape', body: '{"object":"something-else","entry":"nope"}' },
  { name: 'binary garbage', body: Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37]) },
];

function asBuffer(body: Buffer | string): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The request exactly as a gateway would hand it to the adapter, unsigned. */
export function unsignedRequest(adapter: ChannelAdapter, webhook: Pick<WebhookFixture, 'body' | 'contentType' | 'path' | 'query' | 'headers'>): UnsignedWebhookRequest {
  const path = webhook.path ?? adapter.webhookPaths[0] ?? '/';
  const query = webhook.query ?? {};
  const search = new URLSearchParams(query).toString();
  return {
    method: 'POST',
    path,
    url: `${PUBLIC_ORIGIN}${path}${search ? `?${search}` : ''}`,
    query,
    headers: { 'content-type': webhook.contentType ?? 'application/json', ...lowerCaseKeys(webhook.headers) },
    rawBody: asBuffer(webhook.body),
  };
}

/** Sign a request with the given secret (default: the right one) the way the provider does. */
export function signedRequest(fixtures: ConformanceFixtures, unsigned: UnsignedWebhookRequest, secret = fixtures.secret): WebhookRequest {
  const signature = lowerCaseKeys(fixtures.sign(unsigned, secret));
  return { ...unsigned, headers: { ...unsigned.headers, ...signature } };
}

/**
 * The raw record a gateway would write for this request, as the normalizer reads it back: the
 * account is the one `inspect` named (pass it explicitly to test a parser on its own).
 */
export function rawRecord(request: WebhookRequest, receivedAt: Date, accountId: string): RawWebhook {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (v !== undefined) headers[k] = v;
  return { accountId, body: request.rawBody, contentType: headers['content-type'] ?? 'application/json', webhookPath: request.path, receivedAt, headers };
}

/** The raw record of a valid request: `inspect` runs first, as in the gateway. */
function inspectedRecord(adapter: ChannelAdapter, request: WebhookRequest, fixtures: ConformanceFixtures): RawWebhook {
  return rawRecord(request, fixtures.receivedAt ?? DEFAULT_RECEIVED_AT, adapter.inspect(request).accountId);
}

export function checkCapabilities(adapter: ChannelAdapter): void {
  const caps = adapter.capabilities;
  expect(caps.textLimit).toBeGreaterThan(0);
  for (const n of [caps.quickReplyLimit, caps.quickReplyTitleLimit, caps.buttonLimit, caps.carouselLimit]) expect(n).toBeGreaterThanOrEqual(0);
  if (caps.quickReplyLimit > 0) expect(caps.quickReplyTitleLimit).toBeGreaterThan(0);
  expect(adapter.webhookPaths.length).toBeGreaterThan(0);
  for (const path of adapter.webhookPaths) expect(path).toMatch(/^\/[^?#\s]*$/);
  expect(adapter.slug).toMatch(/^[a-z-]+$/);
  expect(['body-signature', 'header-secret']).toContain(adapter.auth?.kind);
  if (adapter.auth.kind === 'header-secret') expect(adapter.auth.header).toMatch(/^[a-z0-9-]+$/);
  // A prefix is a leading path segment (or several), never a query or a trailing slash.
  if (adapter.apiPathPrefix !== undefined) expect(adapter.apiPathPrefix).toMatch(/^(\/[^/?#\s]+)+$/);
}

export function checkHandshake(adapter: ChannelAdapter, fixtures: ConformanceFixtures): void {
  if (!adapter.handshake) {
    expect({ handshakeFixtureWithoutHandshake: fixtures.handshake !== undefined }).toEqual({ handshakeFixtureWithoutHandshake: false });
    return;
  }
  if (!fixtures.handshake) throw new Error('the adapter answers a handshake: give fixtures.handshake (a correct and a wrong-token query)');
  const path = adapter.webhookPaths[0]!;
  const get = (query: Record<string, string>): WebhookRequest => ({
    method: 'GET',
    path,
    url: `${PUBLIC_ORIGIN}${path}?${new URLSearchParams(query).toString()}`,
    query,
    headers: {},
    rawBody: Buffer.alloc(0),
  });
  const good = adapter.handshake(get(fixtures.handshake.query));
  expect(good).toMatchObject({ status: 200, body: fixtures.handshake.expectedBody });
  const wrong = adapter.handshake(get(fixtures.handshake.wrongTokenQuery));
  expect(wrong).toBeDefined();
  expect([401, 403]).toContain(wrong!.status);
  if (fixtures.handshake.expectedBody !== '') expect(wrong!.body).not.toContain(fixtures.handshake.expectedBody);
}

/** A signed POST is an event delivery, never a handshake. */
export function checkPostIsNotHandshake(adapter: ChannelAdapter, fixtures: ConformanceFixtures, webhook: WebhookFixture): void {
  if (!adapter.handshake) return;
  expect(adapter.handshake(signedRequest(fixtures, unsignedRequest(adapter, webhook)))).toBeUndefined();
}

function expectRefused(result: ReturnType<ChannelAdapter['verify']>, what: string): void {
  expect({ what, ok: result.ok }).toEqual({ what, ok: false });
  if (!result.ok) {
    expect([401, 403]).toContain(result.status);
    expect(result.reason.length).toBeGreaterThan(0);
  }
}

/**
 * Authentication, by the adapter's declared `auth` kind: the right request verifies; a wrong
 * secret, a missing or empty header are refused with 401/403; then what fits the kind (see
 * `checkBodySignature`, `checkHeaderSecret`).
 */
export function checkSignature(adapter: ChannelAdapter, fixtures: ConformanceFixtures, webhook: WebhookFixture): void {
  const unsigned = unsignedRequest(adapter, webhook);
  const good = signedRequest(fixtures, unsigned);
  expect({ webhook: webhook.name, verified: adapter.verify(good) }).toEqual({ webhook: webhook.name, verified: { ok: true } });

  const signatureHeaders = Object.keys(lowerCaseKeys(fixtures.sign(unsigned, fixtures.secret)));
  expect(signatureHeaders.length).toBeGreaterThan(0);

  expectRefused(adapter.verify(signedRequest(fixtures, unsigned, `wrong-${fixtures.secret}`)), 'signed with a wrong secret');

  const stripped: WebhookRequest = { ...good, headers: { ...good.headers } };
  for (const name of signatureHeaders) delete stripped.headers[name];
  expectRefused(adapter.verify(stripped), 'signature header missing');

  const emptied: WebhookRequest = { ...good, headers: { ...good.headers } };
  for (const name of signatureHeaders) emptied.headers[name] = '';
  expectRefused(adapter.verify(emptied), 'signature header empty');

  if (adapter.auth.kind === 'header-secret') checkHeaderSecret(adapter, fixtures, good, signatureHeaders);
  else checkBodySignature(adapter, good);
}

/** A signature over the body: the same signature on different bytes (or another URL) is refused. */
export function checkBodySignature(adapter: ChannelAdapter, good: WebhookRequest): void {
  // Same signature, different bytes: a trailing space (still valid JSON) and one changed byte.
  const appended = Buffer.concat([good.rawBody, Buffer.from(' ')]);
  expectRefused(adapter.verify({ ...good, rawBody: appended }), 'body with a trailing space');
  if (good.rawBody.length > 0) {
    const flipped = Buffer.from(good.rawBody);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = flipped[middle] === 0x41 ? 0x42 : 0x41;
    expectRefused(adapter.verify({ ...good, rawBody: flipped }), 'body with one byte changed');
  }
  if (adapter.auth.kind === 'body-signature' && adapter.auth.coversUrl) {
    // Another query string on the same path (the public origin may come from configuration).
    const url = `${good.url}${good.url.includes('?') ? '&' : '?'}replayed=1`;
    expectRefused(adapter.verify({ ...good, url, query: { ...good.query, replayed: '1' } }), 'signature replayed on another URL');
  }
}

/**
 * A shared secret in one header covers no bytes, so the body may change; the secret must match
 * exactly: one character more or less, or another case, is refused (a prefix or case-insensitive
 * comparison is the usual bug), and `sign` must send exactly the declared header.
 */
export function checkHeaderSecret(adapter: ChannelAdapter, fixtures: ConformanceFixtures, good: WebhookRequest, signatureHeaders: string[]): void {
  if (adapter.auth.kind !== 'header-secret') return;
  const header = adapter.auth.header;
  expect({ signatureHeaders }).toEqual({ signatureHeaders: [header] });
  const secret = good.headers[header] ?? '';
  expect(secret.length).toBeGreaterThan(0);
  const withSecret = (value: string): WebhookRequest => ({ ...good, headers: { ...good.headers, [header]: value } });
  expectRefused(adapter.verify(withSecret(`${secret}x`)), 'secret with one character appended');
  expectRefused(adapter.verify(withSecret(secret.slice(0, -1))), 'secret with its last character cut');
  const swapped = secret === secret.toUpperCase() ? secret.toLowerCase() : secret.toUpperCase();
  if (swapped !== secret) expectRefused(adapter.verify(withSecret(swapped)), 'secret in another letter case');
  // The body is not covered: a valid secret on other bytes is still the provider.
  expect({ what: 'same secret, other body', verified: adapter.verify({ ...good, rawBody: Buffer.concat([good.rawBody, Buffer.from(' ')]) }) }).toEqual({
    what: 'same secret, other body',
    verified: { ok: true },
  });
}

export function checkInspect(adapter: ChannelAdapter, fixtures: ConformanceFixtures, webhook: WebhookFixture): void {
  const envelope = adapter.inspect(signedRequest(fixtures, unsignedRequest(adapter, webhook)));
  expect(typeof envelope.accountId).toBe('string');
  expect(typeof envelope.threadKey).toBe('string');
  expect(envelope.accountId.length).toBeGreaterThan(0);
  expect(envelope.threadKey.length).toBeGreaterThan(0);
}

/** The business accounts a parsed event names (messages, statuses and consent carry one). */
function accountsOf(events: ChannelEvent[]): string[] {
  const ids = events.map((e) => (e.type === 'message' ? e.message.accountId : e.type === 'status' ? e.status.accountId : e.consent.accountId) ?? '');
  return [...new Set(ids.filter((id) => id !== ''))];
}

/**
 * `inspect` (the record key, at the gateway) and `parse` (the events, at the normalizer) agree on
 * the business account: when the body holds one account, it is the one `inspect` named; a batch
 * spanning accounts (Meta) must at least include it. Events carry the account; a parser that
 * cannot read it from the body takes `raw.accountId`.
 */
export function checkAccountAgreement(subject: { adapter: ChannelAdapter; parser?: ChannelParser }, fixtures: ConformanceFixtures, webhook: WebhookFixture): void {
  const request = signedRequest(fixtures, unsignedRequest(subject.adapter, webhook));
  const inspected = subject.adapter.inspect(request).accountId;
  const raw = rawRecord(request, fixtures.receivedAt ?? DEFAULT_RECEIVED_AT, inspected);
  for (const [who, parse] of [['adapter', subject.adapter.parse], ['parser', subject.parser?.parse]] as const) {
    if (!parse) continue;
    const accounts = accountsOf(parse(raw));
    expect({ webhook: webhook.name, who, eventsNameAnAccount: accounts.length > 0 }).toEqual({ webhook: webhook.name, who, eventsNameAnAccount: true });
    if (accounts.length === 1) expect({ webhook: webhook.name, who, account: accounts[0] }).toEqual({ webhook: webhook.name, who, account: inspected });
    else expect({ webhook: webhook.name, who, inspectedAccountAmongEvents: accounts.includes(inspected) }).toEqual({ webhook: webhook.name, who, inspectedAccountAmongEvents: true });
  }
}

function expectMalformed(fn: () => unknown, what: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect({ what, threwMalformedPayloadError: thrown instanceof MalformedPayloadError }).toEqual({ what, threwMalformedPayloadError: true });
}

export function checkRejectsMalformed(
  adapter: ChannelAdapter,
  fixtures: ConformanceFixtures,
  malformed: { name: string; body: Buffer | string; contentType?: string },
): void {
  const request = signedRequest(fixtures, unsignedRequest(adapter, malformed));
  expectMalformed(() => adapter.inspect(request), `inspect(${malformed.name})`);
  expectMalformed(() => adapter.parse(rawRecord(request, fixtures.receivedAt ?? DEFAULT_RECEIVED_AT, 'conformance-account')), `parse(${malformed.name})`);
}

/** Structural rules every canonical event obeys, whatever the channel. */
export function checkEvent(adapter: ChannelParser, event: ChannelEvent): void {
  expect(typeof event.dedupeKey).toBe('string');
  expect(event.dedupeKey.length).toBeGreaterThan(0);
  switch (event.type) {
    case 'message': {
      const m = event.message;
      expect(m.channel).toBe(adapter.channel);
      expect(m.providerMessageId).toEqual(expect.any(String));
      expect((m.providerMessageId ?? '').length).toBeGreaterThan(0);
      expect([Direction.INBOUND, Direction.OUTBOUND]).toContain(m.direction);
      expect((m.sender?.channelUserId ?? '').length).toBeGreaterThan(0);
      expect((m.accountId ?? '').length).toBeGreaterThan(0);
      expect(m.providerTimestamp).toBeDefined();
      expect(m.content?.kind?.case).toBeDefined();
      if (m.content?.kind?.case === 'unsupported') {
        expect((m.content.kind.value.providerType ?? '').length).toBeGreaterThan(0);
        expect((m.content.kind.value.providerJson ?? '').length).toBeGreaterThan(0);
      }
      expect(() => toBinary(MessageSchema, create(MessageSchema, m))).not.toThrow();
      break;
    }
    case 'status': {
      const s = event.status;
      expect(s.channel).toBe(adapter.channel);
      expect(s.state !== undefined && s.state !== DeliveryState.UNSPECIFIED ? true : s.typing === true).toBe(true);
      expect((s.providerMessageId ?? '').length > 0 || s.watermark !== undefined || s.typing === true).toBe(true);
      expect(s.occurredAt).toBeDefined();
      if (s.state === DeliveryState.FAILED) expect(s.error?.code ?? ErrorCode.UNSPECIFIED).not.toBe(ErrorCode.UNSPECIFIED);
      expect(() => toBinary(MessageStatusSchema, create(MessageStatusSchema, s))).not.toThrow();
      break;
    }
    case 'consent': {
      const c = event.consent;
      expect(c.channel).toBe(adapter.channel);
      expect((c.channelUserId ?? '').length).toBeGreaterThan(0);
      expect(c.state ?? ConsentState.UNSPECIFIED).not.toBe(ConsentState.UNSPECIFIED);
      expect(() => toBinary(ConsentChangedSchema, create(ConsentChangedSchema, c))).not.toThrow();
      break;
    }
    default:
      throw new Error(`unknown event type ${(event as { type: string }).type}`);
  }
}

export function checkParse(subject: { adapter: ChannelAdapter; parser?: ChannelParser }, fixtures: ConformanceFixtures, webhook: WebhookFixture): ChannelEvent[] {
  const { adapter, parser } = subject;
  const raw = inspectedRecord(adapter, signedRequest(fixtures, unsignedRequest(adapter, webhook)), fixtures);
  const events = adapter.parse(raw);
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) checkEvent(adapter, event);
  // Two events of one body with the same key would make the normalizer drop one as a duplicate.
  const keys = events.map((e) => e.dedupeKey);
  expect(new Set(keys).size).toBe(keys.length);
  // Deterministic: a redelivery or a replay parses to the same thing.
  expect(adapter.parse({ ...raw, body: Buffer.from(raw.body) })).toEqual(events);
  if (parser) {
    expect(parser.channel).toBe(adapter.channel);
    expect(parser.slug).toBe(adapter.slug);
    expect(parser.parse(raw)).toEqual(events);
  }
  return events;
}

export function checkUnsupported(subject: { adapter: ChannelAdapter }, fixtures: ConformanceFixtures, webhook: WebhookFixture): void {
  const events = checkParse(subject, fixtures, webhook);
  const unsupported = events.filter((e) => e.type === 'message' && e.message.content?.kind?.case === 'unsupported');
  expect({ webhook: webhook.name, unsupportedMessages: unsupported.length > 0 }).toEqual({ webhook: webhook.name, unsupportedMessages: true });
}

function codePoints(text: string): number {
  return Array.from(text).length;
}

function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The texts/options of each request, via the channel's own reader. */
function summaries(fixtures: ConformanceFixtures, requests: ProviderRequest[]) {
  return requests.map((r) => fixtures.outbound.describeRequest(r));
}

export function checkOutboundSample(adapter: ChannelAdapter, fixtures: ConformanceFixtures, sample: OutboundSample): ProviderRequest[] {
  const caps = adapter.capabilities;
  const requests = adapter.format(sample.approved);
  expect(requests.length).toBeGreaterThan(0);
  expect(adapter.format(sample.approved)).toEqual(requests);

  for (const credential of fixtures.credentials ?? []) {
    expect({ sample: sample.name, formatLeaksCredential: JSON.stringify(requests).includes(credential) }).toEqual({ sample: sample.name, formatLeaksCredential: false });
  }

  const read = summaries(fixtures, requests);
  for (const [i, summary] of read.entries()) {
    const where = `${sample.name}, request ${i + 1}/${read.length} (${requests[i]!.purpose})`;
    for (const text of summary.texts) expect({ where, textLength: codePoints(text) <= caps.textLimit }).toEqual({ where, textLength: true });
    expect({ where, quickReplies: summary.quickReplyTitles.length <= caps.quickReplyLimit }).toEqual({ where, quickReplies: true });
    for (const title of summary.quickReplyTitles) {
      expect({ where, title, fits: codePoints(title) <= caps.quickReplyTitleLimit && title.length > 0 }).toEqual({ where, title, fits: true });
    }
    expect({ where, buttons: summary.buttonTitles.length <= caps.buttonLimit }).toEqual({ where, buttons: true });
    expect({ where, cards: summary.cards <= caps.carouselLimit }).toEqual({ where, cards: true });
  }

  const allText = read.flatMap((s) => s.texts).join('\n');
  if (sample.preservedText !== undefined) {
    // Splitting may only cut at whitespace or between parts; nothing is lost or reordered.
    expect(normalizeSpace(read.flatMap((s) => s.texts).join(' '))).toBe(normalizeSpace(sample.preservedText));
  }
  for (const title of sample.offeredTitles ?? []) {
    const native = read.flatMap((s) => [...s.quickReplyTitles, ...s.buttonTitles]).some((t) => title.startsWith(t.replace(/…$/, '')));
    expect({ sample: sample.name, title, offered: native || allText.includes(title) }).toEqual({ sample: sample.name, title, offered: true });
  }
  for (const snippet of sample.mentions ?? []) {
    expect({ sample: sample.name, snippet, mentioned: allText.includes(snippet) }).toEqual({ sample: sample.name, snippet, mentioned: true });
  }

  const context = { now: fixtures.now ?? DEFAULT_NOW, nonce: 'conformance-nonce' };
  for (const request of requests) checkToHttp(adapter, request, context);
  return requests;
}

export function checkToHttp(adapter: ChannelAdapter, request: ProviderRequest, context: { now: Date; nonce: string }): void {
  const http = adapter.toHttp(request, context);
  expect(http.method).toBe(request.method);
  expect(http.pathAndQuery.startsWith('/')).toBe(true);
  // The request's path, behind the provider's required prefix when the adapter declares one.
  const expectedPath = `${adapter.apiPathPrefix ?? ''}${request.path}`;
  expect({ pathAndQuery: http.pathAndQuery.split('?')[0] }).toEqual({ pathAndQuery: expectedPath });
  expect(http.pathAndQuery).not.toMatch(/undefined|null|\[object Object\]|\{[a-z_]+\}|\s/);
  for (const [name, value] of Object.entries(http.headers)) {
    expect(name).toBe(name.toLowerCase());
    expect(typeof value).toBe('string');
  }
  if (request.json !== undefined) {
    expect(http.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(http.body ?? '')).toEqual(request.json);
  } else if (request.form !== undefined) {
    expect(http.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Array.from(new URLSearchParams(http.body ?? '').entries())).toEqual(request.form);
  }
  expect(adapter.toHttp(request, context)).toEqual(http);
}

export function checkInterpretSuccess(adapter: ChannelAdapter, fixtures: ConformanceFixtures, request: ProviderRequest, success: ConformanceFixtures['successResponses'][number]): void {
  const outcome = adapter.interpret(request, success.response, fixtures.now ?? DEFAULT_NOW);
  expect(outcome.ok).toBe(true);
  if (outcome.ok && success.providerMessageId !== undefined) expect(outcome.providerMessageId).toBe(success.providerMessageId);
}

export function checkInterpretError(adapter: ChannelAdapter, fixtures: ConformanceFixtures, request: ProviderRequest, failure: ConformanceFixtures['errorResponses'][number]): void {
  const outcome = adapter.interpret(request, failure.response, fixtures.now ?? DEFAULT_NOW);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect({ code: ErrorCode[outcome.error.code ?? ErrorCode.UNSPECIFIED], retryable: outcome.error.retryable ?? false }).toEqual({
      code: ErrorCode[failure.expectedCode],
      retryable: failure.retryable,
    });
    expect((outcome.error.providerCode ?? '').length + (outcome.error.message ?? '').length).toBeGreaterThan(0);
  }
}
