import { ConsentState } from '@omni/contracts';

/**
 * Twilio's default keyword families (docs/channels/sms.md; twilio.com/docs/messaging/tutorials/advanced-opt-out).
 * "STOP ALL" (two words) is not in Twilio's list (UNVERIFIED) but clearly means opt-out, so it is
 * honoured: wrongly keeping someone subscribed is the worse mistake.
 */
const OPT_OUT = ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];
const OPT_IN = ['START', 'YES', 'UNSTOP'];
const HELP = ['HELP', 'INFO'];

const BY_KEYWORD = new Map<string, ConsentState>([
  ...OPT_OUT.map((k) => [k, ConsentState.OPTED_OUT] as const),
  ...OPT_IN.map((k) => [k, ConsentState.OPTED_IN] as const),
  ...HELP.map((k) => [k, ConsentState.HELP_REQUESTED] as const),
]);

/** Advanced Opt-Out's `OptOutType` values. */
const BY_OPT_OUT_TYPE = new Map<string, ConsentState>([
  ['STOP', ConsentState.OPTED_OUT],
  ['START', ConsentState.OPTED_IN],
  ['HELP', ConsentState.HELP_REQUESTED],
]);

export interface ConsentSignal {
  state: ConsentState;
  /** The normalised keyword ("STOP ALL"), or Twilio's OptOutType when the body is a custom keyword. */
  keyword: string;
}

/**
 * Whole-message keyword match, case and whitespace tolerant ("  stop   all " → STOP ALL), with
 * surrounding punctuation ignored ("Stop." → STOP); a keyword inside a sentence does not count,
 * as with Twilio. YES/START mean opt-in only for someone opted out, like on Twilio's side: the
 * consent ledger decides what an opt-in changes.
 */
export function keywordSignal(body: string): ConsentSignal | undefined {
  const keyword = body
    .normalize('NFKC')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
    .replace(/\s+/g, ' ')
    .toUpperCase();
  const state = BY_KEYWORD.get(keyword);
  return state === undefined ? undefined : { state, keyword };
}

/**
 * Twilio's own verdict wins when Advanced Opt-Out sent one (it knows the custom keywords configured
 * on the Messaging Service); otherwise the default keyword families decide.
 */
export function consentSignal(body: string, optOutType: string | undefined): ConsentSignal | undefined {
  const fromKeyword = keywordSignal(body);
  const fromTwilio = optOutType ? BY_OPT_OUT_TYPE.get(optOutType.trim().toUpperCase()) : undefined;
  if (fromTwilio === undefined) return fromKeyword;
  return { state: fromTwilio, keyword: fromKeyword?.state === fromTwilio ? fromKeyword.keyword : optOutType!.trim().toUpperCase() };
}
