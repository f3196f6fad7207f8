import { Channel } from './gen/omni/v1/common_pb';

/**
 * Lower-case channel slugs used in URLs, env names, metrics labels and record keys: the `Channel`
 * enum's names, lower-cased (`CHANNEL_TELEGRAM` → `telegram`). Derived from the schema, so adding
 * a channel to `enum Channel` in proto/omni/v1/common.proto is the only edit here.
 */
export type ChannelSlug = Lowercase<Exclude<keyof typeof Channel, 'UNSPECIFIED'>>;

const BY_SLUG = Object.fromEntries(
  Object.entries(Channel)
    .filter((entry): entry is [string, Channel] => typeof entry[1] === 'number' && entry[1] !== Channel.UNSPECIFIED)
    .map(([name, value]) => [name.toLowerCase(), value]),
) as Record<ChannelSlug, Channel>;

/** Every channel's slug, in enum order. */
export const CHANNEL_SLUGS = Object.keys(BY_SLUG) as readonly ChannelSlug[];

export function channelFromSlug(slug: string): Channel {
  const channel = Object.hasOwn(BY_SLUG, slug) ? BY_SLUG[slug as ChannelSlug] : undefined;
  if (channel === undefined) throw new Error(`unknown channel slug "${slug}"`);
  return channel;
}

export function channelSlug(channel: Channel): ChannelSlug {
  const found = CHANNEL_SLUGS.find((slug) => BY_SLUG[slug] === channel);
  if (!found) throw new Error(`channel ${channel} has no slug`);
  return found;
}
