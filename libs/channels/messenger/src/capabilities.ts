import type { ChannelCapabilities } from '@omni/channel-sdk';
import { MediaKind } from '@omni/contracts';

/** Send API limits (docs/channels/messenger.md). */
export const MESSENGER_LIMITS = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  quickReplyPayload: 1000,
  buttonTemplateText: 640,
  buttons: 3,
  /** Button title ≤ 20 is UNVERIFIED (docs/channels/messenger.md); kept at 20 to stay on the safe side. */
  buttonTitle: 20,
  genericElements: 10,
  genericTitle: 80,
  genericSubtitle: 80,
  genericButtons: 3,
} as const;

export const messengerCapabilities: ChannelCapabilities = {
  textLimit: MESSENGER_LIMITS.text,
  quickReplyLimit: MESSENGER_LIMITS.quickReplies,
  quickReplyTitleLimit: MESSENGER_LIMITS.quickReplyTitle,
  buttonLimit: MESSENGER_LIMITS.buttons,
  carouselLimit: MESSENGER_LIMITS.genericElements,
  // Stickers and GIFs go out as images: the Send API has no sticker attachment type.
  mediaKinds: [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.FILE],
  // Utility messages (Meta's replacement for the retired tags) are approved templates whose Send
  // API shape docs/channels/messenger.md does not document; until it does, Messenger declares no templates.
  templates: false,
  receipts: { delivery: true, read: true },
  typingIndicator: true,
  markSeen: true,
  echoes: true,
  window: { kind: 'customer-service', hours: 24, outside: 'tag' },
};
