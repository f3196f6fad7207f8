import { createHmac } from 'node:crypto';

/** `x-twitter-webhooks-signature` for a body: sha256= + base64 HMAC-SHA256(consumer secret, body). */
export function twitterWebhookSignature(consumerSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', consumerSecret).update(body).digest('base64')}`;
}

/** The CRC answer X expects: sha256= + base64 HMAC-SHA256(consumer secret, crc_token). */
export function expectedCrcResponse(consumerSecret: string, crcToken: string): string {
  return `sha256=${createHmac('sha256', consumerSecret).update(crcToken).digest('base64')}`;
}

export interface DmInit {
  /** DM event id; a Snowflake-looking id is generated when absent. */
  id?: string;
  senderId: string;
  recipientId: string;
  text: string;
  /** Epoch ms; default 1784928224372. */
  createdAt?: number;
  /** Metadata of the quick reply option the customer tapped. */
  quickReplyMetadata?: string;
  /** initiated_via.welcome_message_id */
  welcomeMessageId?: string;
  /** Profile names for the users map. */
  senderName?: string;
  senderUsername?: string;
}

let sequence = 0n;
/** Snowflake-shaped ids ((ms - epoch) << 22 | sequence) so the parser's watermark maths works. */
export function snowflakeId(ms: number): string {
  sequence = (sequence + 1n) & 0x3fffffn;
  return String(((BigInt(ms) - 1288834974657n) << 22n) | sequence);
}

function dmEvent(init: DmInit): Record<string, unknown> {
  const createdAt = init.createdAt ?? 1784928224372;
  const messageData: Record<string, unknown> = {
    text: init.text,
    entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
  };
  if (init.quickReplyMetadata !== undefined) messageData['quick_reply_response'] = { type: 'options', metadata: init.quickReplyMetadata };
  const event: Record<string, unknown> = {
    type: 'message_create',
    id: init.id ?? snowflakeId(createdAt),
    created_timestamp: String(createdAt),
    message_create: { target: { recipient_id: init.recipientId }, sender_id: init.senderId, message_data: messageData },
  };
  if (init.welcomeMessageId) event['initiated_via'] = { welcome_message_id: init.welcomeMessageId };
  return event;
}

/** An Account Activity API delivery of one DM for `forUserId` (docs/channels/twitter.md). */
export function accountActivityDm(forUserId: string, init: DmInit): Record<string, unknown> {
  return {
    for_user_id: forUserId,
    direct_message_events: [dmEvent(init)],
    users: {
      [init.senderId]: { id: init.senderId, name: init.senderName ?? 'Customer', screen_name: init.senderUsername ?? 'customer' },
    },
  };
}

/** An X Activity API `dm.received` / `dm.sent` delivery (xdevplatform/docs event-payloads.mdx). */
export function xActivityDm(filterUserId: string, init: DmInit, eventType: 'dm.received' | 'dm.sent' = 'dm.received'): Record<string, unknown> {
  return {
    data: {
      event_uuid: snowflakeId(init.createdAt ?? 1784928224372),
      filter: { user_id: filterUserId },
      event_type: eventType,
      tag: 'omni',
      payload: {
        direct_message_events: [dmEvent(init)],
        users: { [init.senderId]: { data: { id: init.senderId, name: init.senderName ?? 'Customer', username: init.senderUsername ?? 'customer' } } },
      },
    },
  };
}

/** An Account Activity read receipt: the customer read everything up to `lastReadEventId`. */
export function accountActivityRead(forUserId: string, readerId: string, lastReadEventId: string, createdAt = 1784928299000): Record<string, unknown> {
  return {
    for_user_id: forUserId,
    direct_message_mark_read_events: [
      { created_timestamp: String(createdAt), sender_id: readerId, target: { recipient_id: forUserId }, last_read_event_id: lastReadEventId },
    ],
  };
}
