import { randomBytes } from 'node:crypto';
import { baseRecord, FakeHttpServer, type FakeReply, type IncomingFakeRequest, type RecordedRequestBase } from '../fake-http-server';
import { isValidOAuthSignature, parseOAuthHeader } from './oauth';
import { expectedCrcResponse, snowflakeId, twitterWebhookSignature } from './webhooks';

export interface FakeTwitterApiOptions {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
  /** X user id of the business account the access token belongs to. */
  userId: string;
  /**
   * The base URL clients sign against when it is not this server's own URL (e.g. a proxy in
   * front of it). Default: the URL `start()` returns.
   */
  signedBaseUrl?: string;
  /** Clock for response timestamps and default rate-limit resets (epoch ms). Default Date.now. */
  now?: () => number;
}

/** One request as the fake received it, for assertions. */
export interface RecordedTwitterRequest extends RecordedRequestBase {
  /** Parsed JSON, or the form fields as an object, or undefined. */
  body: unknown;
  /** The decoded OAuth header fields (oauth_consumer_key, oauth_nonce…), when present. */
  oauth?: Record<string, string>;
}

/** A welcome message as the fake stores it (v1.1 welcome message object). */
export interface FakeWelcomeMessage {
  id: string;
  created_timestamp: string;
  name?: string;
  message_data: Record<string, unknown>;
}

/** A scripted failure for the next request(s), in X's real error shapes. */
export type TwitterFailure =
  /** 429 with x-rate-limit-* headers (v1.1 paths: code 88). `resetAt` epoch seconds; default now + 15 min. */
  | { kind: 'rate-limit'; resetAt?: number }
  /** 429 usage-capped problem (monthly cap): not retryable. */
  | { kind: 'usage-capped' }
  /** 403: the recipient does not accept DMs from this account (v1.1 paths: code 349). */
  | { kind: 'cannot-dm' }
  /** 503 overload (v1.1 paths: code 130). */
  | { kind: 'unavailable' }
  | { kind: 'custom'; status: number; body: unknown; headers?: Record<string, string> };

type Reply = FakeReply;

const V2_TEXT_LIMIT = 10_000;

/**
 * A fake X API over real HTTP on 127.0.0.1: checks OAuth 1.0a user-context signatures, validates
 * DM requests (v2 send, v1.1 send with quick replies, typing, mark-read, welcome messages), answers
 * with real-shaped bodies, records every request, fails on demand, and posts signed webhooks / CRC
 * checks to a gateway. Shapes: docs/channels/twitter.md; v2 invalid-request and 403 wording approximate.
 */
export class FakeTwitterApi extends FakeHttpServer<TwitterFailure, RecordedTwitterRequest> {
  private readonly seenNonces = new Set<string>();
  private readonly welcome = new Map<string, FakeWelcomeMessage>();
  private readonly welcomeRules = new Map<string, { id: string; created_timestamp: string; welcome_message_id: string }>();
  private readonly now: () => number;

  constructor(private readonly options: FakeTwitterApiOptions) {
    super('FakeTwitterApi');
    this.now = options.now ?? Date.now;
  }

  /** Forget recorded requests, scripted failures, seen nonces and stored welcome messages. */
  override reset(): void {
    super.reset();
    this.seenNonces.clear();
    this.welcome.clear();
    this.welcomeRules.clear();
  }

  /** Welcome messages currently stored (created and not destroyed), in creation order. */
  welcomeMessages(): FakeWelcomeMessage[] {
    return [...this.welcome.values()];
  }

  /** Successfully created DMs (v2 and v1.1), in order: recipient, text and the id answered. */
  sentDirectMessages(): Array<{ recipientId: string; text?: string; mediaId?: string; quickReplies?: unknown; eventId: string }> {
    return this.requests.flatMap((r) => {
      if (r.status >= 300 || r.method !== 'POST') return [];
      const v2 = /^\/2\/dm_conversations\/with\/([^/]+)\/messages$/.exec(r.path);
      if (v2) {
        return [{ recipientId: v2[1]!, text: str(dig(r.body, 'text')), mediaId: str(dig(r.body, 'attachments', 0, 'media_id')), eventId: str(dig(r.response, 'data', 'dm_event_id')) ?? '' }];
      }
      if (r.path === '/1.1/direct_messages/events/new.json') {
        const create = dig(r.body, 'event', 'message_create');
        return [
          {
            recipientId: str(dig(create, 'target', 'recipient_id')) ?? '',
            text: str(dig(create, 'message_data', 'text')),
            mediaId: str(dig(create, 'message_data', 'attachment', 'media', 'id')),
            quickReplies: dig(create, 'message_data', 'quick_reply', 'options'),
            eventId: str(dig(r.response, 'event', 'id')) ?? '',
          },
        ];
      }
      return [];
    });
  }

  // ------------------------------------------------------------------------------------------
  // Webhooks towards the gateway
  // ------------------------------------------------------------------------------------------

  /** POST a webhook body to `targetUrl` with a valid (or, for tests, deliberately bad) signature. */
  async postWebhook(
    targetUrl: string,
    body: unknown,
    options: { signature?: string; secret?: string } = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body.toString() : JSON.stringify(body);
    const signature = options.signature ?? twitterWebhookSignature(options.secret ?? this.options.consumerSecret, raw);
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature, 'user-agent': 'Twitter-Webhooks/1.0 (omni fake)' },
      body: raw,
    });
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: await response.text() };
  }

  /** Run a CRC like X does (GET ?crc_token=) and check the answer. */
  async crc(targetUrl: string, crcToken = randomBytes(24).toString('base64url')): Promise<{ status: number; body: string; valid: boolean }> {
    const url = new URL(targetUrl);
    url.searchParams.set('crc_token', crcToken);
    const response = await fetch(url, { headers: { 'user-agent': 'Twitter-Webhooks/1.0 (omni fake)' } });
    const text = await response.text();
    let token: unknown;
    try {
      token = (JSON.parse(text) as { response_token?: unknown }).response_token;
    } catch {
      token = undefined;
    }
    return { status: response.status, body: text, valid: response.status === 200 && token === expectedCrcResponse(this.options.consumerSecret, crcToken) };
  }

  // ------------------------------------------------------------------------------------------
  // The API
  // ------------------------------------------------------------------------------------------

  protected record(request: IncomingFakeRequest): RecordedTwitterRequest {
    const body = request.json !== undefined ? request.json : request.form.length ? Object.fromEntries(request.form) : undefined;
    return { ...baseRecord(request), body, oauth: parseOAuthHeader(request.headers['authorization']) };
  }

  protected respond(request: IncomingFakeRequest, recorded: RecordedTwitterRequest): Reply {
    const v1 = recorded.path.startsWith('/1.1/');
    return this.authenticate(recorded, request.queryPairs, request.form, v1) ?? this.scriptedFailure(v1) ?? this.route(recorded, request.contentType, v1);
  }

  /** X sends rate-limit headers on every answer; scripted 429s override them. */
  protected override commonHeaders(): Record<string, string> {
    return { 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': '14', 'x-rate-limit-reset': String(Math.floor(this.now() / 1000) + 900) };
  }

  private authenticate(request: RecordedTwitterRequest, query: Array<[string, string]>, form: Array<[string, string]>, v1: boolean): Reply | undefined {
    const oauth = request.oauth;
    const ok =
      !!oauth &&
      oauth['oauth_consumer_key'] === this.options.consumerKey &&
      oauth['oauth_token'] === this.options.accessToken &&
      oauth['oauth_signature_method'] === 'HMAC-SHA1' &&
      (oauth['oauth_version'] ?? '1.0') === '1.0' &&
      !!oauth['oauth_nonce'] &&
      /^\d+$/.test(oauth['oauth_timestamp'] ?? '') &&
      !this.seenNonces.has(`${oauth['oauth_timestamp']}:${oauth['oauth_nonce']}`) &&
      isValidOAuthSignature({
        method: request.method,
        baseUri: (this.options.signedBaseUrl ?? this.baseUrl).replace(/\/+$/, '') + request.path,
        params: [...query, ...form],
        header: oauth,
        consumerSecret: this.options.consumerSecret,
        tokenSecret: this.options.accessTokenSecret,
      });
    if (ok) {
      this.seenNonces.add(`${oauth['oauth_timestamp']}:${oauth['oauth_nonce']}`);
      return undefined;
    }
    return v1
      ? { status: 401, body: { errors: [{ code: 32, message: 'Could not authenticate you.' }] } }
      : { status: 401, body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' } };
  }

  private scriptedFailure(v1: boolean): Reply | undefined {
    const failure = this.nextFailure();
    if (!failure) return undefined;
    switch (failure.kind) {
      case 'rate-limit': {
        const reset = failure.resetAt ?? Math.floor(this.now() / 1000) + 900;
        const headers = { 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) };
        return v1
          ? { status: 429, headers, body: { errors: [{ code: 88, message: 'Rate limit exceeded' }] } }
          : { status: 429, headers, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 } };
      }
      case 'usage-capped':
        return {
          status: 429,
          body: { title: 'UsageCapExceeded', detail: 'Usage cap exceeded: Monthly product cap', type: 'https://api.x.com/2/problems/usage-capped', period: 'Monthly', scope: 'Product' },
        };
      case 'cannot-dm':
        return v1
          ? { status: 403, body: { errors: [{ code: 349, message: 'You cannot send messages to this user.' }] } }
          : { status: 403, body: { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'You are not permitted to send Direct Messages to this user.' } };
      case 'unavailable':
        return v1
          ? { status: 503, body: { errors: [{ code: 130, message: 'Over capacity' }] } }
          : { status: 503, body: { title: 'Service Unavailable', type: 'about:blank', status: 503, detail: 'Service Unavailable' } };
      case 'custom':
        return { status: failure.status, body: failure.body, headers: failure.headers };
    }
  }

  private route(request: RecordedTwitterRequest, contentType: string, v1: boolean): Reply {
    const { method, path, body } = request;
    const nowMs = this.now();
    const v2Send = /^\/2\/dm_conversations\/(?:with\/(\d+)|([\w-]+))\/messages$/.exec(path);
    if (method === 'POST' && v2Send) {
      if (!contentType.startsWith('application/json') || !isObject(body)) return invalidRequest('body must be a JSON object');
      const problem = v2MessageProblem(body);
      if (problem) return invalidRequest(problem);
      const participant = v2Send[1];
      const conversationId = participant ? [participant, this.options.userId].sort().join('-') : v2Send[2]!;
      return { status: 201, body: { data: { dm_conversation_id: conversationId, dm_event_id: snowflakeId(nowMs) } } };
    }
    if (method === 'POST' && path === '/1.1/direct_messages/events/new.json') {
      const problem = v1EventProblem(body);
      if (problem) return v1Invalid(problem);
      const messageData = dig(body, 'event', 'message_create', 'message_data') as Record<string, unknown>;
      return {
        status: 200,
        body: {
          event: {
            type: 'message_create',
            id: snowflakeId(nowMs),
            created_timestamp: String(nowMs),
            message_create: {
              target: dig(body, 'event', 'message_create', 'target'),
              sender_id: this.options.userId,
              message_data: { ...messageData, entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } },
            },
          },
        },
      };
    }
    if (method === 'POST' && path === '/1.1/direct_messages/indicate_typing.json') {
      return numeric(dig(body, 'recipient_id')) ? { status: 204 } : v1Invalid('recipient_id parameter is missing or invalid', 38);
    }
    if (method === 'POST' && path === '/1.1/direct_messages/mark_read.json') {
      return numeric(dig(body, 'recipient_id')) && numeric(dig(body, 'last_read_event_id'))
        ? { status: 204 }
        : v1Invalid('recipient_id and last_read_event_id are required', 38);
    }
    if (path.startsWith('/1.1/direct_messages/welcome_messages/')) {
      const reply = this.welcomeRoute(request, nowMs);
      if (reply) return reply;
    }
    return v1
      ? { status: 404, body: { errors: [{ code: 34, message: 'Sorry, that page does not exist.' }] } }
      : { status: 404, body: { title: 'Not Found Error', detail: `no route ${method} ${path}`, type: 'https://api.x.com/2/problems/resource-not-found' } };
  }

  /**
   * v1.1 welcome messages and rules (PLhery/node-twitter-api-v2 client.v1.ts; UNVERIFIED today):
   * new / update (PUT ?id=) / show (?id=) / list / destroy (DELETE ?id=), and rules new / list.
   * The fake keeps them, so an update of an id it does not know answers 404 code 34 like X.
   */
  private welcomeRoute(request: RecordedTwitterRequest, nowMs: number): Reply | undefined {
    const { method, path, body, query } = request;
    const base = '/1.1/direct_messages/welcome_messages';
    const notFound = (): Reply => ({ status: 404, body: { errors: [{ code: 34, message: 'Sorry, that page does not exist.' }] } });
    const known = () => (numeric(query['id']) ? this.welcome.get(query['id']!) : undefined);
    if (method === 'POST' && path === `${base}/new.json`) {
      const messageData = dig(body, 'welcome_message', 'message_data');
      const problem = welcomeDataProblem(messageData, 'welcome_message.message_data');
      if (problem) return v1Invalid(problem);
      const name = dig(body, 'welcome_message', 'name');
      if (name !== undefined && (chars(name) < 1 || chars(name) > 100)) return v1Invalid('welcome_message.name must be 1 to 100 characters');
      const stored: FakeWelcomeMessage = {
        id: snowflakeId(nowMs),
        created_timestamp: String(nowMs),
        message_data: { ...(messageData as Record<string, unknown>), entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } },
        ...(typeof name === 'string' ? { name } : {}),
      };
      this.welcome.set(stored.id, stored);
      return { status: 200, body: { welcome_message: stored } };
    }
    if (method === 'PUT' && path === `${base}/update.json`) {
      if (!numeric(query['id'])) return v1Invalid('id parameter is missing', 38);
      const stored = known();
      if (!stored) return notFound();
      const problem = welcomeDataProblem(dig(body, 'message_data'), 'message_data');
      if (problem) return v1Invalid(problem);
      stored.message_data = { ...(dig(body, 'message_data') as Record<string, unknown>), entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } };
      return { status: 200, body: { welcome_message: stored } };
    }
    if (method === 'GET' && path === `${base}/show.json`) {
      const stored = known();
      return stored ? { status: 200, body: { welcome_message: stored } } : notFound();
    }
    if (method === 'GET' && path === `${base}/list.json`) {
      return { status: 200, body: { welcome_messages: this.welcomeMessages() } };
    }
    if (method === 'DELETE' && path === `${base}/destroy.json`) {
      const stored = known();
      if (!stored) return notFound();
      this.welcome.delete(stored.id);
      for (const [id, rule] of this.welcomeRules) if (rule.welcome_message_id === stored.id) this.welcomeRules.delete(id);
      return { status: 204 };
    }
    if (method === 'POST' && path === `${base}/rules/new.json`) {
      const id = dig(body, 'welcome_message_rule', 'welcome_message_id');
      if (!numeric(id)) return v1Invalid('welcome_message_rule.welcome_message_id is required', 38);
      if (!this.welcome.has(id as string)) return notFound();
      const rule = { id: snowflakeId(nowMs), created_timestamp: String(nowMs), welcome_message_id: id as string };
      this.welcomeRules.set(rule.id, rule);
      return { status: 200, body: { welcome_message_rule: rule } };
    }
    if (method === 'GET' && path === `${base}/rules/list.json`) {
      return { status: 200, body: { welcome_message_rules: [...this.welcomeRules.values()] } };
    }
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Read a nested field of untrusted JSON: dig(body, 'event', 'message_create', 'target'). */
function dig(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numeric(value: unknown): boolean {
  return typeof value === 'string' && /^\d+$/.test(value);
}

function chars(value: unknown): number {
  return typeof value === 'string' ? Array.from(value).length : -1;
}

/** v2 body rules: text ≤ 10,000 and/or exactly one attachment with a media_id (docs/channels/twitter.md). */
function v2MessageProblem(body: Record<string, unknown>): string | undefined {
  const hasText = body['text'] !== undefined;
  if (hasText && chars(body['text']) < 1) return 'text must be a non-empty string';
  if (hasText && chars(body['text']) > V2_TEXT_LIMIT) return `text must be at most ${V2_TEXT_LIMIT} characters`;
  const attachments = body['attachments'];
  if (attachments !== undefined) {
    if (!Array.isArray(attachments) || attachments.length !== 1) return 'attachments must hold exactly one media';
    if (!numeric(dig(attachments, 0, 'media_id'))) return 'attachments[0].media_id must be a numeric string';
  }
  if (!hasText && attachments === undefined) return 'one of text or attachments is required';
  const unknown = Object.keys(body).filter((k) => k !== 'text' && k !== 'attachments');
  return unknown.length ? `unknown fields: ${unknown.join(', ')}` : undefined;
}

function v1EventProblem(body: unknown): string | undefined {
  if (dig(body, 'event', 'type') !== 'message_create') return 'event.type must be message_create';
  const create = dig(body, 'event', 'message_create');
  if (!numeric(dig(create, 'target', 'recipient_id'))) return 'event.message_create.target.recipient_id is required';
  const data = dig(create, 'message_data');
  if (typeof dig(data, 'text') !== 'string') return 'event.message_create.message_data.text is required';
  if (chars(dig(data, 'text')) > V2_TEXT_LIMIT) return 'text is over the 10,000 character limit';
  const attachment = dig(data, 'attachment');
  if (attachment !== undefined && (dig(attachment, 'type') !== 'media' || !numeric(dig(attachment, 'media', 'id')))) return 'attachment must be {type:"media",media:{id}}';
  return quickReplyProblem(dig(data, 'quick_reply'));
}

/** v1.1 quick reply rules (docs/channels/twitter.md): ≤ 20 options, label ≤ 36, description ≤ 72 all-or-none, metadata ≤ 1,000. */
function quickReplyProblem(quickReply: unknown): string | undefined {
  if (quickReply === undefined) return undefined;
  const options = dig(quickReply, 'options');
  if (dig(quickReply, 'type') !== 'options' || !Array.isArray(options)) return 'quick_reply must be {type:"options",options:[…]}';
  if (options.length < 1 || options.length > 20) return 'quick_reply.options must hold 1 to 20 options';
  if (options.some((o) => chars(dig(o, 'label')) < 1 || chars(dig(o, 'label')) > 36)) return 'quick_reply option label must be 1 to 36 characters';
  const described = options.filter((o) => dig(o, 'description') !== undefined).length;
  if (described !== 0 && described !== options.length) return 'quick_reply option descriptions must be on all options or none';
  if (options.some((o) => dig(o, 'description') !== undefined && chars(dig(o, 'description')) > 72)) return 'quick_reply option description must be at most 72 characters';
  if (options.some((o) => dig(o, 'metadata') !== undefined && chars(dig(o, 'metadata')) > 1000)) return 'quick_reply option metadata must be at most 1,000 characters';
  return undefined;
}

/** Welcome message_data: text required (≤ 10,000), quick replies as for DMs. */
function welcomeDataProblem(messageData: unknown, where: string): string | undefined {
  if (!isObject(messageData)) return `${where} is required`;
  if (chars(messageData['text']) < 1) return `${where}.text is required`;
  if (chars(messageData['text']) > V2_TEXT_LIMIT) return `${where}.text is over the 10,000 character limit`;
  return quickReplyProblem(messageData['quick_reply']);
}

function invalidRequest(message: string): Reply {
  return {
    status: 400,
    body: {
      errors: [{ parameters: {}, message }],
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.x.com/2/problems/invalid-request',
    },
  };
}

function v1Invalid(message: string, code = 44): Reply {
  return { status: 400, body: { errors: [{ code, message }] } };
}
