import { ErrorCode } from '@omni/contracts';
import type { CanonicalErrorInit, ProviderResponse } from '@omni/channel-sdk';
import { asArray, asObject, asString } from './fields';
import { msUntilReset, parseRateLimitHeaders } from './rate-limit';

/**
 * Map an X error answer onto the canonical vocabulary (docs/channels/twitter.md). Two shapes exist:
 * v2 problem JSON `{title, detail, type: "https://api.x.com/2/problems/<kind>"}` with the HTTP
 * status, and v1.1 `{"errors":[{code, message}]}`. v1.1 codes are more precise, so they win.
 */
export function mapTwitterError(response: ProviderResponse, now: Date): CanonicalErrorInit {
  const codes = v1Codes(response.body);
  const problem = problemKind(response.body);
  const providerCode = codes.length ? codes.join('/') : problem ? `${response.status}/${problem}` : String(response.status);
  const make = (code: ErrorCode, retryable: boolean, message: string, retryAfterMs = 0): CanonicalErrorInit => ({
    code,
    retryable,
    retryAfterMs: BigInt(retryAfterMs),
    providerCode,
    message,
  });
  const has = (...wanted: number[]) => codes.some((c) => wanted.includes(c));
  const resetIn = () => msUntilReset(parseRateLimitHeaders(response.headers), now.getTime());

  const rateLimited = () => make(ErrorCode.RATE_LIMITED, true, 'X rate limit reached; retry after the window resets', resetIn());
  const auth = () => make(ErrorCode.AUTH, false, has(135) ? 'X rejected the OAuth timestamp: check the gateway clock' : 'X rejected the credentials');
  const noDmPermission = () => make(ErrorCode.AUTH, false, 'the X app lacks Direct Message permission (read, write and DMs)');
  const cannotDm = () => make(ErrorCode.RECIPIENT_UNAVAILABLE, false, 'the recipient does not accept Direct Messages from this account (settings or block)');
  const tooLong = () => make(ErrorCode.PAYLOAD_TOO_LARGE, false, 'X rejected the message as too long');
  const down = () => make(ErrorCode.PROVIDER_DOWN, true, 'X is over capacity or failed internally');

  // v1.1 codes first: they say more than the HTTP status they ride on.
  if (has(88)) return rateLimited();
  if (has(32, 89, 135, 215)) return auth();
  if (has(93)) return noDmPermission();
  if (has(226, 326, 64)) return make(ErrorCode.UNKNOWN, false, 'the business account is flagged, locked or suspended: needs a human');
  if (has(150, 151, 214, 349)) return cannotDm();
  if (has(354)) return tooLong();
  if (has(130, 131)) return down();

  if (problem === 'usage-capped') return make(ErrorCode.RATE_LIMITED, false, 'X API usage cap reached for this billing period; sending resumes only when the cap resets or the plan changes');
  if (response.status === 429) return rateLimited();
  if (response.status === 401) return auth();
  if (problem === 'client-forbidden') return noDmPermission();
  if (response.status === 403) return cannotDm();
  // v2 answers every invalid request with 400; the only one a correct formatter can cause is text
  // that X finds too long (its v2 limit is UNVERIFIED), so 400 reads as too large.
  if (response.status === 400) return tooLong();
  if (response.status >= 500) return down();
  return make(ErrorCode.UNKNOWN, false, `X answered HTTP ${response.status}`);
}

function v1Codes(body: unknown): number[] {
  return asArray(asObject(body)?.['errors'])
    .map((e) => Number(asObject(e)?.['code']))
    .filter((c) => Number.isInteger(c) && c > 0);
}

/** 'usage-capped' from type "https://api.x.com/2/problems/usage-capped" (also api.twitter.com). */
function problemKind(body: unknown): string | undefined {
  const type = asString(asObject(body)?.['type']);
  const match = type ? /\/2\/problems\/([a-z-]+)/.exec(type) : null;
  return match?.[1];
}
