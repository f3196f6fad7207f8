import type { WebhookEnvelope, WebhookRequest } from '@omni/channel-sdk';
import { customerId, readMessengerBody } from './body';

/**
 * Which Page and which customer thread a verified webhook belongs to, for the raw record's key.
 * Meta batches several entries and customers in one body; the first customer names the record
 * (the normalizer splits the events again). A body with no customer (e.g. only feed changes) is
 * keyed by the Page itself.
 */
export function inspectMessengerWebhook(request: WebhookRequest): WebhookEnvelope {
  const body = readMessengerBody(request.rawBody);
  const first = body.entry[0]!;
  for (const entry of body.entry) {
    for (const item of [...(entry.messaging ?? []), ...(entry.standby ?? [])]) {
      const customer = customerId(item);
      if (customer) return { accountId: entry.id, threadKey: customer };
    }
  }
  return { accountId: first.id, threadKey: first.id };
}
