import type { WebhookEnvelope, WebhookRequest } from '@omni/channel-sdk';
import { firstCustomerOf, phoneNumberIdOf, readWhatsAppBody } from './body';

/**
 * Which business number and which customer a verified webhook belongs to, for the raw record's
 * key. The account is the `phone_number_id` (what outbound sends from; one WABA can hold several
 * numbers), falling back to the WABA id for account-level changes with no number.
 */
export function inspectWhatsAppWebhook(request: WebhookRequest): WebhookEnvelope {
  const body = readWhatsAppBody(request.rawBody);
  let fallback: WebhookEnvelope | undefined;
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      const accountId = phoneNumberIdOf(change.value) ?? entry.id;
      const customer = firstCustomerOf(change.value);
      if (customer) return { accountId, threadKey: customer };
      fallback ??= { accountId, threadKey: accountId };
    }
  }
  const wabaId = body.entry[0]!.id;
  return fallback ?? { accountId: wabaId, threadKey: wabaId };
}
