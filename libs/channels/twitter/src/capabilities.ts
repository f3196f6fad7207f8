import { MediaKind } from '@omni/contracts';
import type { ChannelCapabilities } from '@omni/channel-sdk';

export const TWITTER_TEXT_LIMIT = 10_000;
export const QUICK_REPLY_OPTION_LIMIT = 20;
export const QUICK_REPLY_LABEL_LIMIT = 36;
export const QUICK_REPLY_DESCRIPTION_LIMIT = 72;
export const QUICK_REPLY_METADATA_LIMIT = 1_000;

/**
 * X DMs (docs/channels/twitter.md). v2 has no quick replies, typing or mark-read; only the legacy
 * v1.1 endpoints (availability today UNVERIFIED) have them, so those capabilities follow
 * `useLegacyV1`. Inbound read receipts and typing arrive either way; there are no delivery receipts
 * and no formal window (the recipient's DM settings decide).
 */
export function twitterCapabilities(useLegacyV1: boolean): ChannelCapabilities {
  return {
    textLimit: TWITTER_TEXT_LIMIT,
    quickReplyLimit: useLegacyV1 ? QUICK_REPLY_OPTION_LIMIT : 0,
    quickReplyTitleLimit: useLegacyV1 ? QUICK_REPLY_LABEL_LIMIT : 0,
    buttonLimit: 0,
    carouselLimit: 0,
    mediaKinds: [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.ANIMATED_GIF],
    templates: false,
    receipts: { delivery: false, read: true },
    typingIndicator: useLegacyV1,
    markSeen: useLegacyV1,
    echoes: true,
    window: { kind: 'none', hours: 0, outside: 'none' },
  };
}
