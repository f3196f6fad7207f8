import { randomUUID } from 'node:crypto';
import { create, MessagePurpose, OutboundRequestedSchema, timestampFromDate, Topics } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import type { ConversationRow } from './store';

export interface OutboundText {
  text: string;
  quickReplies?: ReadonlyArray<{ title: string; payload: string }>;
}

/**
 * Asks to send on the conversation's channel (omni.outbound.requested.v1): window-policy decides,
 * the gateway sends. Content is channel-neutral; gateways degrade quick replies where a channel
 * lacks them. Returns the outbound id, which the verdict and the receipts carry back.
 */
export function requestOutbound(outbox: OutboxWriter, row: ConversationRow, authorId: string, content: OutboundText, now: Date, id: string = randomUUID()): string {
  outbox.add(
    Topics.outboundRequested,
    row.conversation_id,
    create(OutboundRequestedSchema, {
      id,
      conversationId: row.conversation_id,
      channel: row.channel,
      accountId: row.account_id,
      recipient: { channelUserId: row.channel_user_id },
      authorId,
      authorIsHuman: true,
      content: { text: content.text, quickReplies: (content.quickReplies ?? []).map((q) => ({ title: q.title, payload: q.payload })) },
      requestedAt: timestampFromDate(now),
      purpose: MessagePurpose.CONVERSATIONAL,
      contactId: row.contact_id,
    }),
    { id },
  );
  return id;
}
