import type { ChannelCapabilities } from '@omni/channel-sdk';
import { MediaKind } from '@omni/contracts';

/** Bot API limits (docs/channels/telegram.md). */
export const TELEGRAM_LIMITS = {
  /** sendMessage `text`: 1–4096 characters. */
  text: 4096,
  /** Media captions: 0–1024 characters. */
  caption: 1024,
  /** InlineKeyboardButton `callback_data`: 1–64 bytes. */
  callbackData: 64,
  /** Omni's own bound: options shown as inline keyboard rows (the Bot API sets no small limit). */
  keyboardOptions: 10,
  /** Omni's own bound on a button label: longer labels are cut with an ellipsis. */
  buttonText: 64,
} as const;

export const telegramCapabilities: ChannelCapabilities = {
  textLimit: TELEGRAM_LIMITS.text,
  // Quick replies and postback buttons become inline keyboard buttons with callback_data.
  quickReplyLimit: TELEGRAM_LIMITS.keyboardOptions,
  quickReplyTitleLimit: TELEGRAM_LIMITS.buttonText,
  // URL buttons are inline keyboard buttons too.
  buttonLimit: TELEGRAM_LIMITS.keyboardOptions,
  // No carousel: cards are written out as text.
  carouselLimit: 0,
  mediaKinds: [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.FILE, MediaKind.ANIMATED_GIF],
  templates: false,
  // Bots get no delivery or read receipts.
  receipts: { delivery: false, read: false },
  typingIndicator: true,
  markSeen: false,
  // Telegram does not send a bot's own messages back to it.
  echoes: false,
  // A bot may write to a user who started it at any time, until the user blocks it.
  window: { kind: 'none', hours: 0, outside: 'none' },
};
