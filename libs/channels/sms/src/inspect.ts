import type { WebhookEnvelope, WebhookRequest } from '@omni/channel-sdk';
import { isStatusCallback, TwilioForm } from './form';

/**
 * The business number and the customer number of a verified Twilio webhook: inbound messages go
 * From customer To us, status callbacks describe our message From us To the customer.
 */
export function inspectSmsWebhook(request: WebhookRequest): WebhookEnvelope {
  const form = new TwilioForm(request.rawBody);
  form.messageSid();
  const from = form.require('From');
  const to = form.require('To');
  if (isStatusCallback(request.path, form)) {
    form.require('MessageStatus');
    return { accountId: from, threadKey: to };
  }
  return { accountId: to, threadKey: from };
}
