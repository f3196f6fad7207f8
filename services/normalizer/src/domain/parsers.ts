import type { ChannelParser } from '@omni/channel-sdk';
import type { Channel } from '@omni/contracts';
import { messengerParser } from '@omni/channel-messenger';
import { whatsappParser } from '@omni/channel-whatsapp';
import { twitterParser } from '@omni/channel-twitter';
import { smsParser } from '@omni/channel-sms';
import { telegramParser } from '@omni/channel-telegram';

/** Every channel's parser by channel; adding a channel adds one line here. */
export const PARSERS: ReadonlyMap<Channel, ChannelParser> = new Map(
  [messengerParser, whatsappParser, twitterParser, smsParser, telegramParser].map((parser) => [parser.channel, parser]),
);
