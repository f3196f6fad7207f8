import { MediaKind } from '@omni/contracts';
import type { ChannelCapabilities } from '@omni/channel-sdk';

export const SMS_BODY_LIMIT = 1_600;
export const MMS_MEDIA_LIMIT = 10;

/**
 * Twilio SMS/MMS (docs/channels/sms.md): 1,600 characters per message (split into 160/153 or
 * 70/67-character billed segments), no quick replies or buttons (numbered lists instead), media as
 * MMS URLs (US/Canada numbers; elsewhere Twilio may refuse or convert them), delivery receipts via
 * status callbacks, no read receipts, typing or echoes, no reply window (opt-out and quiet hours
 * are window-policy's business).
 */
export const smsCapabilities: ChannelCapabilities = {
  textLimit: SMS_BODY_LIMIT,
  quickReplyLimit: 0,
  quickReplyTitleLimit: 0,
  buttonLimit: 0,
  carouselLimit: 0,
  mediaKinds: [MediaKind.IMAGE, MediaKind.ANIMATED_GIF, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.FILE],
  templates: false,
  receipts: { delivery: true, read: false },
  typingIndicator: false,
  markSeen: false,
  echoes: false,
  window: { kind: 'none', hours: 0, outside: 'none' },
};
