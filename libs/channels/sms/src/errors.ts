import { ErrorCode } from '@omni/contracts';
import type { CanonicalErrorInit } from '@omni/channel-sdk';

/**
 * Twilio error codes → canonical errors (docs/channels/sms.md; codes from twilio.com/docs/api/errors,
 * 21617 and the 30xxx wording UNVERIFIED). The same codes arrive synchronously in the REST answer
 * (`{code, message, more_info, status}`) and asynchronously in status callbacks (`ErrorCode`).
 */
interface Rule {
  code: ErrorCode;
  retryable: boolean;
  message: string;
}

const RULES: Record<number, Rule> = {
  21610: { code: ErrorCode.OPTED_OUT, retryable: false, message: 'the recipient replied STOP; sends fail until they reply START' },
  21211: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: "invalid 'To' phone number" },
  21612: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: "the 'To' number cannot be reached from this sender" },
  21614: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: "the 'To' number is not a mobile number" },
  21608: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: 'trial accounts can only send to verified numbers' },
  30005: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: 'unknown destination handset' },
  30006: { code: ErrorCode.INVALID_RECIPIENT, retryable: false, message: 'landline or unreachable carrier' },
  30003: { code: ErrorCode.RECIPIENT_UNAVAILABLE, retryable: true, message: 'unreachable handset (off or out of coverage); try again later' },
  30007: { code: ErrorCode.UNKNOWN, retryable: false, message: 'carrier filtered the message as spam: review the content before sending again' },
  30008: { code: ErrorCode.UNKNOWN, retryable: true, message: 'unknown carrier error: retry once, then give up' },
  20003: { code: ErrorCode.AUTH, retryable: false, message: 'Twilio rejected the account credentials' },
  20429: { code: ErrorCode.RATE_LIMITED, retryable: true, message: 'too many requests to Twilio; back off' },
  21617: { code: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false, message: 'the body exceeds 1,600 characters' },
  21606: { code: ErrorCode.UNKNOWN, retryable: false, message: "the 'From' number cannot send this message (not owned or not SMS-capable)" },
};

/** Map a Twilio error code (and the HTTP status when there is one) to a canonical error. */
export function mapTwilioError(input: { code?: number; httpStatus?: number; retryAfterMs?: number }): CanonicalErrorInit {
  const { code, httpStatus } = input;
  const providerCode = code !== undefined ? String(code) : httpStatus !== undefined ? `HTTP ${httpStatus}` : '';
  const make = (rule: Rule): CanonicalErrorInit => ({
    code: rule.code,
    retryable: rule.retryable,
    retryAfterMs: BigInt(rule.code === ErrorCode.RATE_LIMITED ? (input.retryAfterMs ?? 0) : 0),
    providerCode,
    message: rule.message,
  });
  const rule = code !== undefined ? RULES[code] : undefined;
  if (rule) return make(rule);
  if (httpStatus === 429) return make(RULES[20429]!);
  if (httpStatus === 401) return make(RULES[20003]!);
  if (httpStatus !== undefined && httpStatus >= 500) {
    return make({ code: ErrorCode.PROVIDER_DOWN, retryable: true, message: `Twilio answered HTTP ${httpStatus}` });
  }
  return make({ code: ErrorCode.UNKNOWN, retryable: false, message: code !== undefined ? `Twilio error ${code}` : `Twilio answered HTTP ${httpStatus ?? 'without status'}` });
}
