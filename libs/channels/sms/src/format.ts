import type { OutboundApproved } from '@omni/contracts';
import { numberedList, splitText } from '@omni/channel-sdk';
import type { ProviderRequest } from '@omni/channel-sdk';
import { MMS_MEDIA_LIMIT, SMS_BODY_LIMIT } from './capabilities';
import { offeredOptions, richContentLines } from './degrade';

export interface SmsFormatOptions {
  accountSid: string;
  publicBaseUrl: string;
  /** Send through a Messaging Service (sender pool, sticky sender, Advanced Opt-Out). */
  messagingServiceSid?: string;
  /** Sender when the outbound names no account number and there is no Messaging Service. */
  fromNumber?: string;
  statusCallbackPath: string;
}

export const messagesPath = (accountSid: string) => `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;

/**
 * An approved outbound → Twilio Messages API requests (form-encoded, docs/channels/sms.md):
 * To, MessagingServiceSid or From, Body (split at 1,600 characters), MediaUrl (≤ 10, on the first
 * part), StatusCallback (our public status URL). Quick replies and postback buttons become a
 * numbered list (see matchOfferedOption); cards and link buttons become lines. Typing, mark-read and
 * reactions do not exist on SMS: no request. Templates do not exist either: refused loudly.
 */
export function formatSmsOutbound(approved: OutboundApproved, options: SmsFormatOptions): ProviderRequest[] {
  const request = approved.request;
  const to = request?.recipient?.channelUserId;
  if (!request || !to) throw new Error(`outbound ${approved.id} has no recipient phone number`);
  const content = request.content;
  if (!content) return [];

  const sender = senderField(request.accountId, options);
  const mediaUrls = content.media?.url ? [content.media.url].slice(0, MMS_MEDIA_LIMIT) : [];
  let text = [content.text, content.media?.caption ?? '', ...richContentLines(content)].filter((l) => l.length > 0).join('\n');
  text = numberedList(text, offeredOptions(content));

  if (!text && !mediaUrls.length) {
    if (content.template) throw new Error('SMS has no message templates: nothing to send');
    return [];
  }
  const parts = text ? splitText(text, SMS_BODY_LIMIT) : [''];
  const statusCallback = options.publicBaseUrl.replace(/\/+$/, '') + options.statusCallbackPath;
  return parts.map((part, i) => {
    const form: Array<[string, string]> = [['To', to], sender];
    if (part) form.push(['Body', part]);
    if (i === 0) for (const url of mediaUrls) form.push(['MediaUrl', url]);
    form.push(['StatusCallback', statusCallback]);
    const purpose = parts.length > 1 ? `text ${i + 1}/${parts.length}` : part ? 'text' : 'media';
    return { method: 'POST', path: messagesPath(options.accountSid), form, purpose };
  });
}

/** Reply from the number the conversation is on; a Messaging Service picks its own sender. */
function senderField(accountNumber: string, options: SmsFormatOptions): [string, string] {
  if (options.messagingServiceSid) return ['MessagingServiceSid', options.messagingServiceSid];
  const from = accountNumber || options.fromNumber;
  if (!from) throw new Error('no sender: the outbound has no account number and neither fromNumber nor messagingServiceSid is configured');
  return ['From', from];
}
