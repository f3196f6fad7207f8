import type { ChannelAdapter } from '@omni/channel-sdk';
import { smsCapabilities } from './capabilities';
import { formatSmsOutbound } from './format';
import { interpretTwilioResponse, twilioHttpRequest } from './http';
import { inspectSmsWebhook } from './inspect';
import { smsParser } from './parse';
import { EMPTY_TWIML } from './twiml';
import { verifyTwilioWebhook } from './verify';

export const SMS_INBOUND_PATH = '/webhooks/twilio/sms';
export const SMS_STATUS_PATH = '/webhooks/twilio/status';

export interface SmsAdapterOptions {
  accountSid: string;
  /** Primary auth token: signs webhooks and authenticates API calls. */
  authToken: string;
  /** Public URL prefix Twilio calls (TWILIO_PUBLIC_BASE_URL), e.g. https://omni.example.com. */
  publicBaseUrl: string;
  messagingServiceSid?: string;
  fromNumber?: string;
  /** Path of the status callback URL under publicBaseUrl; default /webhooks/twilio/status. */
  statusCallbackPath?: string;
  /** SharedKey secret, for webhooks a Twilio Webhooks Rule signs with a SharedKey (HMAC-SHA1 or -SHA256). */
  webhookSharedKeySecret?: string;
}

export function createSmsAdapter(options: SmsAdapterOptions): ChannelAdapter {
  const statusCallbackPath = options.statusCallbackPath ?? SMS_STATUS_PATH;
  return {
    ...smsParser,
    capabilities: smsCapabilities,
    webhookPaths: [SMS_INBOUND_PATH, statusCallbackPath],
    // Twilio signs the public URL plus the form parameters.
    auth: { kind: 'body-signature', coversUrl: true },
    verify: (request) => verifyTwilioWebhook({ authToken: options.authToken, sharedKeySecret: options.webhookSharedKeySecret }, options.publicBaseUrl, request),
    inspect: inspectSmsWebhook,
    acknowledge: () => EMPTY_TWIML,
    format: (approved) => formatSmsOutbound(approved, { ...options, statusCallbackPath }),
    toHttp: (request) => twilioHttpRequest(request, options.accountSid, options.authToken),
    interpret: (_request, response) => interpretTwilioResponse(response),
  };
}
