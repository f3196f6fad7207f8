import type { CanonicalErrorInit } from '@omni/channel-sdk';
import { ErrorCode } from '@omni/contracts';

/** What decides the mapping: the Graph/Cloud API error code and the HTTP status it came with. */
export interface WhatsAppErrorFacts {
  /** 0 for errors that came in a `failed` status webhook rather than an HTTP answer. */
  httpStatus: number;
  code?: number;
  retryAfterMs?: number;
}

interface Rule {
  matches: (code: number) => boolean;
  error: ErrorCode;
  retryable: boolean;
  message: string;
}

const oneOf = (...codes: number[]) => (code: number) => codes.includes(code);
const between = (low: number, high: number) => (code: number) => code >= low && code <= high;

/**
 * docs/channels/whatsapp.md, first match wins. The same table reads send answers and `failed` statuses.
 * Messages are ours: Meta's `error_data.details` can quote phone numbers, so it is never copied.
 */
const RULES: readonly Rule[] = [
  { matches: oneOf(131047), error: ErrorCode.WINDOW_CLOSED, retryable: false, message: 'outside the 24 h customer service window: send a template' },
  { matches: oneOf(131026), error: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, message: 'message undeliverable to this WhatsApp user' },
  // 131050 (user stopped marketing messages) is UNVERIFIED (docs/channels/whatsapp.md).
  { matches: oneOf(131049, 131050), error: ErrorCode.OPTED_OUT, retryable: false, message: 'marketing message not delivered: the user opted out or is being protected' },
  { matches: oneOf(131021, 131030), error: ErrorCode.INVALID_RECIPIENT, retryable: false, message: 'recipient not allowed (same as sender, or not in the test allow list)' },
  { matches: oneOf(0, 190, 3, 10), error: ErrorCode.AUTH, retryable: false, message: 'access token invalid or missing a permission' },
  { matches: between(200, 299), error: ErrorCode.AUTH, retryable: false, message: 'permission missing' },
  { matches: oneOf(368, 131031), error: ErrorCode.AUTH, retryable: false, message: 'the business account is blocked or locked' },
  // 131056 (same user too fast): ≈ 1 msg / 6 s is UNVERIFIED, so no retry-after is invented.
  { matches: oneOf(4, 80007, 130429, 131048, 131056), error: ErrorCode.RATE_LIMITED, retryable: true, message: 'rate limited: back off' },
  { matches: oneOf(131000, 131016, 131057), error: ErrorCode.PROVIDER_DOWN, retryable: true, message: 'WhatsApp temporarily unavailable' },
  { matches: oneOf(131051), error: ErrorCode.UNKNOWN, retryable: false, message: 'message type not supported' },
  // Media download/upload failures are worth one more try (the gateway bounds attempts).
  { matches: oneOf(131052, 131053), error: ErrorCode.UNKNOWN, retryable: true, message: 'media download or upload failed' },
  { matches: oneOf(100, 131008, 131009), error: ErrorCode.UNKNOWN, retryable: false, message: 'invalid or missing parameter' },
  { matches: between(132000, 132016), error: ErrorCode.UNKNOWN, retryable: false, message: 'template problem (missing, paused, wrong parameters)' },
];

export function mapWhatsAppError(facts: WhatsAppErrorFacts): CanonicalErrorInit {
  const providerCode = facts.code !== undefined ? String(facts.code) : `http_${facts.httpStatus}`;
  const retryAfterMs = facts.retryAfterMs !== undefined ? BigInt(facts.retryAfterMs) : undefined;
  const result = (code: ErrorCode, retryable: boolean, message: string): CanonicalErrorInit => ({ code, retryable, providerCode, message, retryAfterMs });

  const code = facts.code;
  const rule = code === undefined ? undefined : RULES.find((r) => r.matches(code));
  if (rule) return result(rule.error, rule.retryable, rule.message);
  if (facts.httpStatus === 429) return result(ErrorCode.RATE_LIMITED, true, 'rate limited: back off');
  if (facts.httpStatus >= 500) return result(ErrorCode.PROVIDER_DOWN, true, `Cloud API answered HTTP ${facts.httpStatus}`);
  if (code === undefined && (facts.httpStatus === 401 || facts.httpStatus === 403)) return result(ErrorCode.AUTH, false, `Cloud API answered HTTP ${facts.httpStatus}`);
  return result(ErrorCode.UNKNOWN, false, code !== undefined ? 'unrecognised WhatsApp error' : `unrecognised answer (HTTP ${facts.httpStatus})`);
}
