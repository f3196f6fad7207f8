import { createHmac } from 'node:crypto';

/**
 * X-Twilio-Signature as Twilio computes it: base64 HMAC-SHA1(auth token, URL + every form
 * parameter sorted by name as name+value, values of a repeated name sorted). Written independently
 * of the SMS channel so the fake checks the channel instead of agreeing with it.
 */
export function twilioRequestSignature(authToken: string, url: string, form: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...form].sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return createHmac('sha1', authToken)
    .update(url + sorted.map(([n, v]) => n + v).join(''))
    .digest('base64');
}

export interface InboundSmsInit {
  from: string;
  to: string;
  body: string;
  /** Generated (SM… or MM… with media) when absent. */
  messageSid?: string;
  media?: Array<{ url: string; contentType: string }>;
  /** Advanced Opt-Out verdict: STOP, START or HELP. */
  optOutType?: string;
  messagingServiceSid?: string;
  numSegments?: number;
}

/** An inbound message webhook body, fields in the order Twilio sends them (webhook-request guide). */
export function inboundSmsForm(accountSid: string, init: InboundSmsInit & { messageSid: string }): Array<[string, string]> {
  const media = init.media ?? [];
  const form: Array<[string, string]> = [
    ['ToCountry', 'US'],
    ['ToState', 'CA'],
    ['SmsMessageSid', init.messageSid],
    ['NumMedia', String(media.length)],
    ['ToCity', 'SAN FRANCISCO'],
    ['FromZip', '94105'],
    ['SmsSid', init.messageSid],
    ['FromState', 'CA'],
    ['SmsStatus', 'received'],
    ['FromCity', 'SAN FRANCISCO'],
    ['Body', init.body],
    ['FromCountry', 'US'],
    ['To', init.to],
  ];
  if (init.messagingServiceSid) form.push(['MessagingServiceSid', init.messagingServiceSid]);
  form.push(['ToZip', '94103'], ['NumSegments', String(init.numSegments ?? 1)]);
  media.forEach((m, i) => form.push([`MediaContentType${i}`, m.contentType], [`MediaUrl${i}`, m.url]));
  if (init.optOutType) form.push(['OptOutType', init.optOutType]);
  form.push(['MessageSid', init.messageSid], ['AccountSid', accountSid], ['From', init.from], ['ApiVersion', '2010-04-01']);
  return form;
}

export interface StatusCallbackInit {
  messageSid: string;
  status: string;
  from: string;
  to: string;
  errorCode?: string | number;
}

/** A status callback body (outbound-message-status-in-status-callbacks guide). */
export function statusCallbackForm(accountSid: string, init: StatusCallbackInit): Array<[string, string]> {
  const form: Array<[string, string]> = [
    ['SmsSid', init.messageSid],
    ['SmsStatus', init.status],
    ['MessageStatus', init.status],
    ['To', init.to],
    ['MessageSid', init.messageSid],
    ['AccountSid', accountSid],
    ['From', init.from],
    ['ApiVersion', '2010-04-01'],
  ];
  if (init.errorCode !== undefined) form.push(['ErrorCode', String(init.errorCode)]);
  return form;
}
