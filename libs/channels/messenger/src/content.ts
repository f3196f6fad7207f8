import { MediaKind, type ContentSchema, type MessageInitShape } from '@omni/contracts';
import { safeJsonText } from '@omni/channel-sdk';
import type { WireAttachment, WireMessage } from './wire';

export type ContentInit = MessageInitShape<typeof ContentSchema>;

/**
 * The canonical contents of one Messenger `message`, in order. A canonical message holds one
 * content, so a message with text and attachments (or several attachments) becomes several parts;
 * the parser gives each part its own id. A quick-reply tap is one answer (its `text` is the title).
 */
export function messageContents(message: WireMessage): ContentInit[] {
  if (message.quick_reply && typeof message.quick_reply === 'object') {
    return [{ kind: { case: 'quickReply', value: { payload: stringOr(message.quick_reply.payload), text: stringOr(message.text) } } }];
  }
  const parts: ContentInit[] = [];
  if (typeof message.text === 'string' && message.text !== '') parts.push({ kind: { case: 'text', value: { text: message.text } } });
  const attachments = Array.isArray(message.attachments) ? message.attachments : [];
  // During Meta's sticker transition (to 2026-08-30) one sticker may arrive both as a `sticker`
  // attachment and as an `image` carrying `sticker_id`; keep the sticker, drop its image twin.
  const hasStickerType = attachments.some((a) => a?.type === 'sticker');
  for (const attachment of attachments) {
    if (!attachment || typeof attachment !== 'object') continue;
    if (hasStickerType && attachment.type === 'image' && attachment.payload?.sticker_id !== undefined) continue;
    parts.push(attachmentContent(attachment));
  }
  return parts;
}

function stringOr(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

const MEDIA_KINDS: Record<string, MediaKind> = {
  image: MediaKind.IMAGE,
  video: MediaKind.VIDEO,
  audio: MediaKind.AUDIO,
  file: MediaKind.FILE,
  sticker: MediaKind.STICKER,
};

export function attachmentContent(attachment: WireAttachment): ContentInit {
  const type = stringOr(attachment.type, 'unknown');
  const payload = attachment.payload ?? {};
  const url = stringOr(payload.url, stringOr(attachment.url));

  if (type in MEDIA_KINDS) {
    const stickerId = payload.sticker_id;
    const isSticker = type === 'sticker' || (type === 'image' && stickerId !== undefined);
    return {
      kind: {
        case: 'media',
        value: {
          kind: isSticker ? MediaKind.STICKER : MEDIA_KINDS[type]!,
          url,
          // Only a number or string is an id; anything else (an object with its own toString) is not.
          providerMediaId: typeof stickerId === 'string' || (typeof stickerId === 'number' && Number.isFinite(stickerId)) ? String(stickerId) : undefined,
        },
      },
    };
  }
  // Messenger documents no location attachment any more (docs/channels/messenger.md); older payloads sent
  // `payload.coordinates`, so it is read when present rather than lost as unsupported.
  if (type === 'location' && typeof payload.coordinates?.lat === 'number' && typeof payload.coordinates.long === 'number') {
    return {
      kind: {
        case: 'location',
        value: { latitude: payload.coordinates.lat, longitude: payload.coordinates.long, name: stringOr(attachment.title, stringOr(payload.title)), url },
      },
    };
  }
  // A link share Messenger could not render: what the customer shared is the link itself.
  if (type === 'fallback' && url !== '') {
    const title = stringOr(attachment.title, stringOr(payload.title));
    return { kind: { case: 'text', value: { text: title ? `${title}\n${url}` : url, urls: [url] } } };
  }
  // reel, ig_reel, post, ig_post, template, product… kept whole for later.
  return { kind: { case: 'unsupported', value: { providerType: `attachment:${type}`, providerJson: safeJsonText(attachment) } } };
}
