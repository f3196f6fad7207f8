import { parseJsonObject } from '@omni/channel-sdk';
import type { WebhookEnvelope, WebhookRequest } from '@omni/channel-sdk';
import { classifyEnvelope } from './envelope';
import { asArray, asObject, asString, type JsonObject } from './fields';

/**
 * Cheap look at a verified body before it is written to Kafka: the business user it is for and
 * the customer it is about (the raw record key). The thread is the other party of the first DM or
 * receipt; bodies with neither (favorites, revokes, XChat) are keyed by the account alone.
 */
export function inspectTwitterWebhook(request: WebhookRequest): WebhookEnvelope {
  const envelope = classifyEnvelope(parseJsonObject(request.rawBody));
  const { accountId } = envelope;
  if (envelope.kind === 'account-activity') {
    return { accountId, threadKey: firstCounterpart(envelope.body, accountId) ?? accountId };
  }
  const { payload } = envelope;
  return { accountId, threadKey: firstCounterpart(payload, accountId) ?? chatCounterpart(payload, accountId) ?? accountId };
}

/** XChat events: the sender, or for our own sends the other id in `conversation_id` ("a:b"). */
function chatCounterpart(payload: JsonObject, accountId: string): string | undefined {
  const sender = asString(payload['sender_id']);
  if (sender && sender !== accountId) return sender;
  return asString(payload['conversation_id'])?.split(':').find((id) => id && id !== accountId);
}

function firstCounterpart(container: JsonObject, accountId: string): string | undefined {
  const dm = asObject(asArray(container['direct_message_events'])[0]);
  const create = asObject(dm?.['message_create']);
  if (create) {
    const sender = asString(create['sender_id']);
    const recipient = asString(asObject(create['target'])?.['recipient_id']);
    return sender === accountId ? recipient : sender;
  }
  for (const key of ['direct_message_indicate_typing_events', 'direct_message_mark_read_events']) {
    const item = asObject(asArray(container[key])[0]);
    if (!item) continue;
    const sender = asString(item['sender_id']);
    return sender === accountId ? asString(asObject(item['target'])?.['recipient_id']) : sender;
  }
  return undefined;
}
