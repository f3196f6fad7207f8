import type { WebhookReply } from '@omni/channel-sdk';

/**
 * Twilio wants TwiML back; an empty <Response> says "no auto-reply". Replies always go through the
 * REST API after routing, never as TwiML <Message> (docs/channels/sms.md).
 */
export const EMPTY_TWIML: WebhookReply = {
  status: 200,
  contentType: 'text/xml',
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
};
