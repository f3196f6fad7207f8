import type { ErrorCode, MessageInitShape, OutboundApprovedSchema } from '@omni/contracts';
import type { ChannelAdapter, ChannelParser, ProviderRequest, ProviderResponse, WebhookRequest } from '../adapter';

/** An approved outbound as init shape (plain object), the way specs write them. */
export type OutboundApprovedInit = MessageInitShape<typeof OutboundApprovedSchema>;

/** One provider webhook as it comes over the wire, before the kit signs it. */
export interface WebhookFixture {
  /** Shown in test names, e.g. 'text message' or 'delivery receipt, two mids'. */
  name: string;
  /** Exact bytes the provider sends (keep the provider's escaping: signatures cover these bytes). */
  body: Buffer | string;
  /** Defaults to application/json. */
  contentType?: string;
  /** Defaults to the adapter's first webhook path. */
  path?: string;
  query?: Record<string, string>;
  /** Extra, unsigned headers the provider sends (lower-case names). */
  headers?: Record<string, string>;
}

/** A request as the kit builds it before signing: everything `sign` may need (Twilio signs the URL). */
export type UnsignedWebhookRequest = Omit<WebhookRequest, 'headers'> & { headers: Record<string, string> };

/**
 * What a channel tells the kit about one formatted provider request, so generic checks can compare
 * it with the declared capabilities without knowing the provider's JSON.
 */
export interface RequestSummary {
  /** Every text the customer will read: message text, template/interactive body text, captions. */
  texts: string[];
  /** Options the customer taps to answer: quick replies, reply buttons, list rows. */
  quickReplyTitles: string[];
  /** Buttons attached to this one message (template buttons, reply buttons). */
  buttonTitles: string[];
  /** Cards in this request's carousel (0 when none). */
  cards: number;
}

export interface ConformanceFixtures {
  /** Valid webhooks covering every kind the channel parses; the kit signs each with `sign`. */
  signedWebhooks: WebhookFixture[];
  /** Webhooks carrying only kinds the channel cannot represent: each must give `unsupported` messages. */
  unsupportedWebhooks?: WebhookFixture[];
  /** Extra bodies that are not the provider's shape (the kit adds its own generic garbage). */
  malformedBodies?: Array<{ name: string; body: Buffer | string; contentType?: string }>;

  /** The secret the adapter under test was created with (App Secret, consumer secret, auth token). */
  secret: string;
  /** Produce the signature header(s) the provider would send for this request with this secret. */
  sign(request: UnsignedWebhookRequest, secret: string): Record<string, string>;

  /** Required when the adapter has `handshake`: a correct challenge and one with a wrong token. */
  handshake?: {
    query: Record<string, string>;
    /** Exact body the provider expects back (Meta: the bare challenge; X: JSON with response_token). */
    expectedBody: string;
    wrongTokenQuery: Record<string, string>;
  };

  outbound: {
    /**
     * A realistic approved outbound (recipient, account, policy). The kit swaps in its own content
     * (long text, too many quick replies, buttons, cards, media, sender actions) to probe limits.
     */
    base: OutboundApprovedInit;
    /** Channel-specific samples checked the same way (tags, templates, reactions…). */
    samples?: Array<{ name: string; approved: OutboundApprovedInit }>;
    /** Read one formatted request back into channel-neutral terms. */
    describeRequest(request: ProviderRequest): RequestSummary;
  };

  /** Provider answers to a send that succeeded; `providerMessageId` is what `interpret` must return. */
  successResponses: Array<{ name: string; response: ProviderResponse; providerMessageId?: string }>;
  /** Provider error answers and the canonical error each must map to. */
  errorResponses: Array<{ name: string; response: ProviderResponse; expectedCode: ErrorCode; retryable: boolean }>;

  /** Tokens and secrets that must never appear in `format` output (they belong to `toHttp`). */
  credentials?: string[];
  /** Clock values passed to the adapter (defaults: fixed instants, so runs are deterministic). */
  receivedAt?: Date;
  now?: Date;
}

export interface ConformanceSubject {
  adapter: ChannelAdapter;
  /** The secret-free parser the normalizer uses; must parse exactly like the adapter. */
  parser?: ChannelParser;
  fixtures: ConformanceFixtures;
}
