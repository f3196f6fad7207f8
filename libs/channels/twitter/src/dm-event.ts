import { Channel, Direction, EntryPoint_Source, MediaKind, timestampFromDate, timestampFromMs } from '@omni/contracts';
import type { ChannelEvent, MessageInit } from '@omni/channel-sdk';
import { asArray, asEpochMs, asObject, asString, type JsonObject } from './fields';
import type { XProfile } from './users';
import { unsupportedEvent } from './unsupported';

/** What a DM event needs from its envelope. */
export interface DmContext {
  /** The subscribed business user (AAA `for_user_id`, XAA `filter.user_id`). */
  accountId: string;
  users: Map<string, XProfile>;
  receivedAt: Date;
  /** Where the event came from, for unsupported content: 'direct_message_events' or 'dm.received'. */
  source: string;
  /** XAA says `dm.sent` explicitly; AAA leaves it to sender_id == for_user_id. */
  sentByBusiness?: boolean;
}

/**
 * One `direct_message_events[]` item to a canonical message. Only `message_create` is a message;
 * other event types are kept as unsupported so nothing is lost.
 */
export function dmEventToMessage(event: JsonObject, ctx: DmContext): ChannelEvent {
  const id = asString(event['id']);
  const create = asObject(event['message_create']);
  const type = asString(event['type']);
  if (type !== 'message_create' || !id || !create) {
    return unsupportedEvent({
      providerType: `${ctx.source}:${type ?? 'unknown'}`,
      json: event,
      accountId: ctx.accountId,
      receivedAt: ctx.receivedAt,
      providerMessageId: id,
      timestampMs: asEpochMs(event['created_timestamp']),
    });
  }

  const senderId = asString(create['sender_id']) ?? '';
  const recipientId = asString(asObject(create['target'])?.['recipient_id']) ?? '';
  const outbound = ctx.sentByBusiness ?? senderId === ctx.accountId;
  const data = asObject(create['message_data']) ?? {};
  const createdMs = asEpochMs(event['created_timestamp']);

  const message: MessageInit = {
    channel: Channel.TWITTER,
    providerMessageId: id,
    direction: outbound ? Direction.OUTBOUND : Direction.INBOUND,
    isEcho: outbound,
    accountId: ctx.accountId,
    sender: participant(senderId, ctx.users),
    recipient: participant(recipientId, ctx.users),
    receivedAt: timestampFromDate(ctx.receivedAt),
    providerTimestamp: createdMs !== undefined ? timestampFromMs(createdMs) : timestampFromDate(ctx.receivedAt),
    content: contentOf(data),
  };
  const entryPoint = entryPointOf(asObject(event['initiated_via']));
  if (entryPoint) message.entryPoint = entryPoint;
  return { type: 'message', dedupeKey: id, message };
}

function participant(id: string, users: Map<string, XProfile>): NonNullable<MessageInit['sender']> {
  const profile = users.get(id);
  return { channelUserId: id, displayName: profile?.name ?? '', username: profile?.username ?? '' };
}

function contentOf(data: JsonObject): NonNullable<MessageInit['content']> {
  const text = asString(data['text']) ?? '';
  const quickReply = asObject(data['quick_reply_response']);
  if (quickReply) {
    // A tap on one of the options we sent: the metadata is the payload we attached to it.
    return { kind: { case: 'quickReply', value: { payload: asString(quickReply['metadata']) ?? '', text } } };
  }
  const attachment = asObject(data['attachment']);
  const media = asObject(attachment?.['media']);
  if (attachment && asString(attachment['type']) === 'media' && media) {
    return { kind: { case: 'media', value: mediaOf(media, text) } };
  }
  const urls = asArray(asObject(data['entities'])?.['urls'])
    .map((u) => asObject(u))
    .map((u) => asString(u?.['expanded_url']) ?? asString(u?.['url']))
    .filter((u): u is string => !!u);
  return { kind: { case: 'text', value: { text, urls } } };
}

const MEDIA_KINDS: Record<string, MediaKind> = {
  photo: MediaKind.IMAGE,
  video: MediaKind.VIDEO,
  animated_gif: MediaKind.ANIMATED_GIF,
};

/**
 * X media entity to MediaContent. For video and GIF, `media_url_https` is only a thumbnail: the
 * playable file is the highest-bitrate variant in `video_info`. Downloading needs user-context
 * OAuth (UNVERIFIED, docs/channels/twitter.md), so the provider media id is kept too. The text of a DM with
 * media ends with the media's t.co link; it is removed from the caption.
 */
function mediaOf(media: JsonObject, text: string) {
  const kind = MEDIA_KINDS[asString(media['type']) ?? ''] ?? MediaKind.FILE;
  const variant = bestVideoVariant(media);
  const tco = asString(media['url']);
  const caption = (tco ? text.split(tco).join('') : text).trim();
  return {
    kind,
    url: variant?.url ?? asString(media['media_url_https']) ?? asString(media['media_url']) ?? '',
    mimeType: variant?.contentType ?? '',
    providerMediaId: asString(media['id_str']) ?? asString(media['id']) ?? '',
    caption,
  };
}

function bestVideoVariant(media: JsonObject): { url: string; contentType: string } | undefined {
  let best: { url: string; contentType: string; bitrate: number } | undefined;
  for (const item of asArray(asObject(media['video_info'])?.['variants'])) {
    const variant = asObject(item);
    const url = asString(variant?.['url']);
    const contentType = asString(variant?.['content_type']) ?? '';
    if (!url || contentType !== 'video/mp4') continue;
    const bitrate = Number(variant?.['bitrate'] ?? 0);
    if (!best || bitrate > best.bitrate) best = { url, contentType, bitrate };
  }
  return best && { url: best.url, contentType: best.contentType };
}

/** `initiated_via`: the DM was opened from a welcome message deep link or from a post. */
function entryPointOf(via: JsonObject | undefined): MessageInit['entryPoint'] {
  if (!via) return undefined;
  const welcomeMessageId = asString(via['welcome_message_id']);
  const tweetId = asString(via['tweet_id']);
  const attributes: Record<string, string> = tweetId ? { tweet_id: tweetId } : {};
  if (welcomeMessageId) return { source: EntryPoint_Source.WELCOME_MESSAGE, welcomeMessageId, attributes };
  if (tweetId) return { source: EntryPoint_Source.POST, attributes };
  return undefined;
}
