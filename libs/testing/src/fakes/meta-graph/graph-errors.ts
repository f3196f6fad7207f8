/**
 * Graph API error bodies as Meta sends them (docs/channels/messenger.md and 3.5):
 * `{"error":{message, type, code, error_subcode?, error_data?, fbtrace_id}}`.
 */
export interface GraphError {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  is_transient?: boolean;
  error_data?: { messaging_product?: 'whatsapp'; details: string };
  fbtrace_id?: string;
}

/** What the fake answers instead of the real thing, for the next N matching requests. */
export interface ScriptedFailure {
  /** HTTP status Meta uses for this error (mostly 400; 401 for WhatsApp tokens; 429/5xx at times). */
  status: number;
  /** A Graph error body; omit and give `rawBody` to imitate a proxy or load balancer page. */
  error?: GraphError;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Only requests to this API are failed (default: any). */
  api?: 'messenger' | 'whatsapp';
}

let trace = 0;
/** fbtrace_id-looking ids, distinct per answer. */
export function nextTraceId(): string {
  trace += 1;
  return `AfakeTrace${trace.toString(36).padStart(6, '0')}`;
}

export function graphErrorBody(error: GraphError): { error: GraphError } {
  return { error: { ...error, fbtrace_id: error.fbtrace_id ?? nextTraceId() } };
}

const whatsappDetails = (details: string) => ({ messaging_product: 'whatsapp' as const, details });

/** Ready-made failures for the cases tests usually need. */
export const GraphErrors = {
  /** Messenger: outside the 24 h window (10/2018278). */
  messengerWindowClosed: {
    status: 400,
    api: 'messenger',
    error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 },
  },
  /** Messenger: the person cannot be reached (551). */
  messengerUnavailable: {
    status: 400,
    api: 'messenger',
    error: { message: '(#551) This person isn\'t available right now.', type: 'OAuthException', code: 551, error_subcode: 1545041 },
  },
  /** Messenger: application-level rate limit (4), answered with HTTP 400 as Graph usually does. */
  messengerRateLimited: {
    status: 400,
    api: 'messenger',
    error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, is_transient: true },
  },
  /** Messenger: the Send API's own limit (613), over HTTP 429. */
  messengerCallsLimited: {
    status: 429,
    api: 'messenger',
    error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613, error_subcode: 2534040 },
  },
  /** Messenger/Graph: transient (2). */
  transient: {
    status: 500,
    error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true },
  },
  /** Expired token (190/463). */
  tokenExpired: {
    status: 401,
    error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463 },
  },
  /** WhatsApp: outside the customer service window (131047). */
  whatsappWindowClosed: {
    status: 400,
    api: 'whatsapp',
    error: {
      message: '(#131047) Re-engagement message',
      type: 'OAuthException',
      code: 131047,
      error_data: whatsappDetails('Message failed to send because more than 24 hours have passed since the customer last replied to this number.'),
    },
  },
  /** WhatsApp: cloud throughput limit (130429) over HTTP 429. */
  whatsappRateLimited: {
    status: 429,
    api: 'whatsapp',
    error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, error_data: whatsappDetails('Cloud API message throughput has been reached.') },
  },
  /** WhatsApp: app-level rate limit (4), HTTP 400. */
  whatsappAppRateLimited: {
    status: 400,
    api: 'whatsapp',
    error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, error_data: whatsappDetails('Too many calls.') },
  },
  /** WhatsApp: recipient cannot receive (131026). */
  whatsappUndeliverable: {
    status: 400,
    api: 'whatsapp',
    error: { message: '(#131026) Message Undeliverable.', type: 'OAuthException', code: 131026, error_data: whatsappDetails('Message Undeliverable.') },
  },
  /** WhatsApp: service unavailable (131016) over 503. */
  whatsappUnavailable: {
    status: 503,
    api: 'whatsapp',
    error: { message: '(#131016) Service unavailable', type: 'OAuthException', code: 131016, error_data: whatsappDetails('A service is temporarily unavailable.') },
  },
  /** A load balancer's HTML page: no Graph body at all. */
  serviceUnavailablePage: { status: 503, rawBody: '<html><body><h1>503 Service Unavailable</h1></body></html>', headers: { 'content-type': 'text/html' } },
} satisfies Record<string, ScriptedFailure>;
