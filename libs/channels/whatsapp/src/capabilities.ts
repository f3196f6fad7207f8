import type { ChannelCapabilities } from '@omni/channel-sdk';
import { MediaKind } from '@omni/contracts';

/** Cloud API limits (docs/channels/whatsapp.md). */
export const WHATSAPP_LIMITS = {
  text: 4096,
  interactiveBody: 1024,
  replyButtons: 3,
  replyButtonTitle: 20,
  replyButtonId: 256,
  listRows: 10,
  listRowTitle: 24,
  listRowId: 200,
  listRowDescription: 72,
  listButtonLabel: 20,
  /** Caption limit is not in docs/channels/whatsapp.md; 1,024 matches the interactive body and is conservative. */
  caption: 1024,
  callbackData: 512,
} as const;

export const whatsappCapabilities: ChannelCapabilities = {
  textLimit: WHATSAPP_LIMITS.text,
  // Up to 3 options become reply buttons, 4–10 a list; more degrade to a numbered list.
  quickReplyLimit: WHATSAPP_LIMITS.listRows,
  // One limit for every option title: reply buttons allow 20 (list rows 24, cut to 20 too).
  quickReplyTitleLimit: WHATSAPP_LIMITS.replyButtonTitle,
  buttonLimit: WHATSAPP_LIMITS.replyButtons,
  // Carousels exist only as approved templates; free-form cards degrade to one message each.
  carouselLimit: 0,
  mediaKinds: [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.FILE, MediaKind.STICKER],
  templates: true,
  receipts: { delivery: true, read: true },
  typingIndicator: true,
  markSeen: true,
  // No echoes of our own sends (docs/channels/whatsapp.md, UNVERIFIED absence).
  echoes: false,
  window: { kind: 'customer-service', hours: 24, outside: 'template' },
};
