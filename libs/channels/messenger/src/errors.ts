import type { CanonicalErrorInit } from '@omni/channel-sdk';
import { ErrorCode } from '@omni/contracts';

/** The parts of a Graph API error that decide what to do (`{"error":{code,error_subcode,…}}`). */
export interface GraphErrorFacts {
  httpStatus: number;
  code?: number;
  subcode?: number;
  retryAfterMs?: number;
}

interface Rule {
  code: number;
  /** Undefined: any subcode. */
  subcode?: number;
  error: ErrorCode;
  retryable: boolean;
  message: string;
}

/**
 * docs/channels/messenger.md, most specific first. Messages are ours, not Meta's, so they never carry
 * personal data from the provider's text.
 */
const RULES: readonly Rule[] = [
  { code: 10, subcode: 2018278, error: ErrorCode.WINDOW_CLOSED, retryable: false, message: 'outside the 24 h messaging window: use a message tag' },
  { code: 10, subcode: 2534022, error: ErrorCode.WINDOW_CLOSED, retryable: false, message: 'outside the allowed messaging window: use a message tag' },
  { code: 10, subcode: 2018108, error: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, message: 'the person cannot receive messages from this Page' },
  { code: 10, subcode: 1893063, error: ErrorCode.AUTH, retryable: false, message: 'the Page is restricted from messaging' },
  { code: 551, error: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, message: 'the person is not available right now' },
  { code: 200, subcode: 1545041, error: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: false, message: 'the person is not available right now' },
  { code: 100, subcode: 2018001, error: ErrorCode.INVALID_RECIPIENT, retryable: false, message: 'no matching user for this page-scoped id' },
  { code: 100, subcode: 2018109, error: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false, message: 'attachment too large' },
  { code: 100, subcode: 2018008, error: ErrorCode.UNKNOWN, retryable: false, message: 'Meta could not fetch the attachment URL' },
  { code: 100, subcode: 2018294, error: ErrorCode.UNKNOWN, retryable: false, message: 'video attachment upload timed out' },
  { code: 100, error: ErrorCode.UNKNOWN, retryable: false, message: 'invalid parameter (or a retired message tag)' },
  { code: 190, error: ErrorCode.AUTH, retryable: false, message: 'the Page access token is invalid or expired' },
  { code: 200, error: ErrorCode.AUTH, retryable: false, message: 'the app lacks a permission it needs' },
  { code: 613, subcode: 2018338, error: ErrorCode.UNKNOWN, retryable: false, message: 'message tag used outside its allowed purpose' },
  { code: 4, error: ErrorCode.RATE_LIMITED, retryable: true, message: 'rate limited: back off' },
  { code: 613, error: ErrorCode.RATE_LIMITED, retryable: true, message: 'rate limited: back off' },
  // Code 2 may also hide a block (docs/channels/messenger.md): retryable, but the gateway bounds the attempts.
  { code: 2, error: ErrorCode.PROVIDER_DOWN, retryable: true, message: 'temporary Graph API problem' },
  // 1200 is UNVERIFIED (docs/channels/protocols.md); treated like 2, bounded retries.
  { code: 1200, error: ErrorCode.PROVIDER_DOWN, retryable: true, message: 'temporary Send API problem' },
];

/** Thread owned by another app (handover protocol), whatever the top-level code. */
const THREAD_OWNED_BY_OTHER_APP = 2018300;

export function mapMessengerError(facts: GraphErrorFacts): CanonicalErrorInit {
  const providerCode = providerCodeOf(facts);
  const retryAfterMs = facts.retryAfterMs !== undefined ? BigInt(facts.retryAfterMs) : undefined;
  const result = (code: ErrorCode, retryable: boolean, message: string): CanonicalErrorInit => ({ code, retryable, providerCode, message, retryAfterMs });

  if (facts.subcode === THREAD_OWNED_BY_OTHER_APP) return result(ErrorCode.UNKNOWN, false, 'another app owns this thread (handover protocol)');
  if (facts.code !== undefined) {
    const rule =
      RULES.find((r) => r.code === facts.code && r.subcode !== undefined && r.subcode === facts.subcode) ??
      RULES.find((r) => r.code === facts.code && r.subcode === undefined);
    if (rule) return result(rule.error, rule.retryable, rule.message);
  }
  if (facts.httpStatus === 429) return result(ErrorCode.RATE_LIMITED, true, 'rate limited: back off');
  if (facts.httpStatus >= 500) return result(ErrorCode.PROVIDER_DOWN, true, `Graph API answered HTTP ${facts.httpStatus}`);
  if (facts.code === undefined && (facts.httpStatus === 401 || facts.httpStatus === 403)) return result(ErrorCode.AUTH, false, `Graph API answered HTTP ${facts.httpStatus}`);
  return result(ErrorCode.UNKNOWN, false, `unrecognised Graph API error (HTTP ${facts.httpStatus})`);
}

function providerCodeOf(facts: GraphErrorFacts): string {
  if (facts.code === undefined) return `http_${facts.httpStatus}`;
  return facts.subcode !== undefined ? `${facts.code}/${facts.subcode}` : String(facts.code);
}
