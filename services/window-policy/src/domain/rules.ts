import type { ChannelCapabilities } from '@omni/channel-sdk';
import { messengerCapabilities } from '@omni/channel-messenger';
import { smsCapabilities } from '@omni/channel-sms';
import { telegramCapabilities } from '@omni/channel-telegram';
import { twitterCapabilities } from '@omni/channel-twitter';
import { whatsappCapabilities } from '@omni/channel-whatsapp';
import { Channel } from '@omni/contracts';

export const HOUR_MS = 3_600_000;

/**
 * How a channel gates outbound messages (docs/window-policy.md has the decision table):
 * - `tagged-window` (Messenger): free-form inside the window; after it, only a human agent's reply
 *   with the HUMAN_AGENT tag, up to `humanAgentHours` after the customer's last message.
 * - `template-window` (WhatsApp): free-form inside the window; after it, only a registered template.
 * - `consent` (SMS): no window; opt-out blocks, marketing waits out quiet hours.
 * - `dm-settings` (X): no window; the recipient's DM settings and the send pacing decide.
 * - `no-window`: anything the channel can carry, whenever (the default for channels without a line).
 */
export type ChannelRule =
  | { kind: 'tagged-window'; windowHours: number; humanAgentHours: number }
  | { kind: 'template-window'; windowHours: number }
  | { kind: 'consent' }
  | { kind: 'dm-settings' }
  | { kind: 'no-window' };

export const NO_WINDOW: ChannelRule = { kind: 'no-window' };

/** One line per channel; a channel without a line (a new one, e.g. Telegram) gets NO_WINDOW. */
export const CHANNEL_RULES: Partial<Record<Channel, ChannelRule>> = {
  [Channel.MESSENGER]: { kind: 'tagged-window', windowHours: 24, humanAgentHours: 7 * 24 },
  [Channel.WHATSAPP]: { kind: 'template-window', windowHours: 24 },
  [Channel.SMS]: { kind: 'consent' },
  [Channel.TWITTER]: { kind: 'dm-settings' },
  // Bots may message a chat whenever the user has not blocked them (a block arrives as an opt-out).
  [Channel.TELEGRAM]: NO_WINDOW,
};

export function ruleFor(channel: Channel): ChannelRule {
  return CHANNEL_RULES[channel] ?? NO_WINDOW;
}

/** Hours of the free-form window a customer message opens (0 = the channel has none). */
export function windowHoursOf(channel: Channel): number {
  const rule = ruleFor(channel);
  return rule.kind === 'tagged-window' || rule.kind === 'template-window' ? rule.windowHours : 0;
}

/**
 * What each channel's gateway can format, straight from the channel libs. X is taken without the
 * legacy v1.1 features: everything v1.1 adds degrades to text on v2, so nothing here depends on it.
 */
export const CHANNEL_CAPABILITIES: Partial<Record<Channel, ChannelCapabilities>> = {
  [Channel.MESSENGER]: messengerCapabilities,
  [Channel.WHATSAPP]: whatsappCapabilities,
  [Channel.SMS]: smsCapabilities,
  [Channel.TWITTER]: twitterCapabilities(false),
  [Channel.TELEGRAM]: telegramCapabilities,
};
