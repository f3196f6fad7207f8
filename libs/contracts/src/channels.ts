import { Channel } from './gen/omni/v1/common_pb';

/** Lower-case channel slugs used in URLs, env names, metrics labels and record keys. */
export type ChannelSlug = 'messenger' | 'whatsapp' | 'twitter' | 'sms';

const BY_SLUG: Record<ChannelSlug, Channel> = {
  messenger: Channel.MESSENGER,
  whatsapp: Channel.WHATSAPP,
  twitter: Channel.TWITTER,
  sms: Channel.SMS,
};

export function channelFromSlug(slug: string): Channel {
  const channel = BY_SLUG[slug as ChannelSlug];
  if (channel === undefined) throw new Error(`unknown channel slug "${slug}"`);
  return channel;
}

export function channelSlug(channel: Channel): ChannelSlug {
  const found = (Object.keys(BY_SLUG) as ChannelSlug[]).find((slug) => BY_SLUG[slug] === channel);
  if (!found) throw new Error(`channel ${channel} has no slug`);
  return found;
}
