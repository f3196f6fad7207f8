import type {
  CanonicalError,
  Channel,
  ChannelSlug,
  ConsentChanged,
  MediaKind,
  Message,
  MessageInitShape,
  MessageStatus,
  OutboundApproved,
  CanonicalErrorSchema,
  ConsentChangedSchema,
  MessageSchema,
  MessageStatusSchema,
} from '@omni/contracts';

/**
 * The contract every channel implements. Implementations are pure: no network, no Kafka, no Nest,
 * no clock reads (time is passed in). The gateway service hosts an adapter; the normalizer uses
 * its parser. See docs/channels/adding-a-channel.md.
 */
export interface ChannelAdapter extends ChannelParser {
  readonly capabilities: ChannelCapabilities;
  /** Webhook paths this channel serves, e.g. ['/webhooks/messenger']. */
  readonly webhookPaths: readonly string[];
  /**
   * How the provider proves a webhook is its own: what `verify` checks. The conformance kit tests
   * what fits the kind (a body signature must fail on one changed byte; a header secret covers no
   * bytes, but must match exactly).
   */
  readonly auth: WebhookAuth;
  /**
   * A path prefix the provider requires before every API path, added by `toHttp` (Telegram:
   * `/bot<token>`). It holds credentials when the provider puts them in the URL: never log it.
   * The kit checks that `toHttp` gives `apiPathPrefix + request.path` (+ query).
   */
  readonly apiPathPrefix?: string;

  /**
   * Answer a provider's verification challenge (Meta hub.challenge, X CRC). Returns undefined
   * when the request is not a handshake for this channel (the gateway then answers 404/405).
   */
  handshake?(request: WebhookRequest): WebhookReply | undefined;

  /**
   * Authenticate the request as `auth` declares: a signature over the raw body (and URL), or a
   * shared secret header; compared in constant time.
   */
  verify(request: WebhookRequest): VerificationResult;

  /**
   * Cheap structural look at a verified body, done before the record is written: throws
   * MalformedPayloadError for a body that is not this provider's shape (the gateway answers
   * 400), otherwise says which business account and thread the record belongs to (its key).
   */
  inspect(request: WebhookRequest): WebhookEnvelope;

  /** What the gateway answers the provider once the record is durable (Twilio wants TwiML). */
  acknowledge?(request: WebhookRequest): WebhookReply;

  /**
   * Turn an approved outbound into the provider request(s) to make, in order: long text is split
   * at the channel's limit, rich content the channel lacks is degraded into something usable.
   * Credentials are not added here: `toHttp` adds them, so `format` output can be logged and
   * compared in tests.
   */
  format(approved: OutboundApproved): ProviderRequest[];

  /**
   * Add credentials and encode the body: the exact HTTP request to make against the channel's API
   * base URL (access_token query, bearer, OAuth 1.0a, Basic…). `nonce` and `now` are passed in so
   * signing stays deterministic under test.
   */
  toHttp(request: ProviderRequest, context: { now: Date; nonce: string }): HttpRequestSpec;

  /** Read the provider's answer to one request: the provider message id, or a canonical error. */
  interpret(request: ProviderRequest, response: ProviderResponse, now: Date): SendOutcome;

  /**
   * Optional pacing for providers with hard send quotas (X: 15 DMs / 15 min per user, 1,440 / day):
   * given the epoch-ms times of recent sends from this business account and from the whole app,
   * how many ms to wait before the next send (0 = now). The gateway defers instead of failing.
   */
  sendDelay?(recent: { account: readonly number[]; app: readonly number[] }, now: number): number;

  /**
   * Hard send quotas as sliding windows (X: 15 / 15 min and 1,440 / 24 h per user, 1,440 / 24 h
   * per app). When set, the gateway reserves a slot atomically before each send (one lock per
   * gateway, a few indexed rows read per window), so concurrent partitions and replicas never
   * exceed them; `sendDelay` is then not asked.
   */
  readonly sendQuotas?: { perAccount: readonly SendQuota[]; perApp: readonly SendQuota[] };

  /**
   * Optional start-up registration with the provider (Telegram: `setWebhook` with the secret
   * token). The gateway calls it once at start-up and makes the returned requests in order, in the
   * background: webhooks are served meanwhile, a failure is retried with backoff, never fatal.
   * Every request must be idempotent (the same call at every start, on every replica).
   */
  register?(context: RegistrationContext): ProviderRequest[];
}

/** At most `limit` sends in any `windowMs`. */
export interface SendQuota {
  name: string;
  limit: number;
  windowMs: number;
}

/** What `register` knows about the gateway hosting the adapter. */
export interface RegistrationContext {
  /** The public URL the provider calls (scheme, host, port, no trailing slash), when configured. */
  publicBaseUrl?: string;
}

/**
 * How a provider authenticates its webhooks.
 * - `body-signature`: an HMAC (or similar) over the raw body bytes, and over the public URL too
 *   when `coversUrl` (Twilio); any changed byte must be refused.
 * - `header-secret`: a fixed shared secret sent back in one header (Telegram's
 *   `X-Telegram-Bot-Api-Secret-Token`); it covers no bytes, so only the exact secret passes.
 */
export type WebhookAuth =
  | { kind: 'body-signature'; coversUrl?: boolean }
  | { kind: 'header-secret'; header: string };

/**
 * The part of a channel that needs no secrets: the normalizer uses it to read raw records. Each
 * channel lib exports one as a constant (e.g. `messengerParser`) besides its adapter factory.
 */
export interface ChannelParser {
  readonly channel: Channel;
  readonly slug: ChannelSlug;
  /**
   * Turn one raw webhook into canonical events. Never drops anything: unknown kinds become
   * messages with `unsupported` content. One body may hold many events (Meta batches).
   * Throws MalformedPayloadError for a body that is not the provider's shape.
   */
  parse(raw: RawWebhook): ChannelEvent[];
}

export interface HttpRequestSpec {
  method: ProviderRequest['method'];
  /** Path plus encoded query string, relative to the API base URL. */
  pathAndQuery: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ChannelCapabilities {
  /** Maximum characters of one text message; longer text is split. */
  textLimit: number;
  /** Maximum quick-reply options (0 = none: they degrade to a numbered list). */
  quickReplyLimit: number;
  quickReplyTitleLimit: number;
  /** Maximum buttons on one message (0 = none). */
  buttonLimit: number;
  /** Maximum carousel cards (0 = no carousel). */
  carouselLimit: number;
  mediaKinds: readonly MediaKind[];
  templates: boolean;
  receipts: { delivery: boolean; read: boolean };
  typingIndicator: boolean;
  markSeen: boolean;
  echoes: boolean;
  /** The channel's reply window rule. */
  window: { kind: 'none' | 'customer-service'; hours: number; outside: 'tag' | 'template' | 'none' };
}

/** An HTTP request as the gateway received it; header names lower-case. */
export interface WebhookRequest {
  method: 'GET' | 'POST';
  /** Path without query string, e.g. '/webhooks/messenger'. */
  path: string;
  /** The full public URL the provider called (scheme, host, port, path, query): Twilio signs it. */
  url: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface WebhookReply {
  status: number;
  contentType: string;
  body: string;
}

export type VerificationResult =
  | { ok: true }
  | { ok: false; status: 400 | 401 | 403; reason: string };

export interface WebhookEnvelope {
  /** Business-side account (page id, WABA id, X user id, Twilio number). */
  accountId: string;
  /** Provider thread id used in the raw record key (customer id, or the first one when batched). */
  threadKey: string;
}

/** A raw record as the normalizer reads it back from omni.inbound.raw.v1. */
export interface RawWebhook {
  /**
   * The business account `inspect` named when the gateway took the webhook (the record's
   * `account_id`). Providers whose bodies do not say which account they are for (Telegram: which
   * bot) read it from here.
   */
  accountId: string;
  body: Buffer;
  contentType: string;
  webhookPath: string;
  receivedAt: Date;
  headers: Record<string, string>;
}

export type MessageInit = MessageInitShape<typeof MessageSchema>;
export type MessageStatusInit = MessageInitShape<typeof MessageStatusSchema>;
export type ConsentChangedInit = MessageInitShape<typeof ConsentChangedSchema>;
export type CanonicalErrorInit = MessageInitShape<typeof CanonicalErrorSchema>;

/**
 * What a webhook body says, channel-neutral. Omni ids (id, conversation id, contact id) are left
 * empty: the normalizer fills them.
 */
export type ChannelEvent =
  | { type: 'message'; dedupeKey: string; message: MessageInit }
  | { type: 'status'; dedupeKey: string; status: MessageStatusInit }
  | { type: 'consent'; dedupeKey: string; consent: ConsentChangedInit };

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path relative to the channel's API base URL, e.g. '/v21.0/me/messages'. */
  path: string;
  query?: Record<string, string>;
  /** JSON body (Meta, X) … */
  json?: unknown;
  /** … or form fields in order, repeated names allowed (Twilio). */
  form?: Array<[string, string]>;
  /** What this request is for, for logs and metrics: 'text', 'text 2/3', 'sender_action'… */
  purpose: string;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, else the text. */
  body: unknown;
}

export type SendOutcome =
  | { ok: true; providerMessageId?: string; segments?: number }
  | { ok: false; error: CanonicalErrorInit };

export type { CanonicalError, ConsentChanged, Message, MessageStatus };
