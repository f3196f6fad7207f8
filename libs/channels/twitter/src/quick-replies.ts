import { truncate } from '@omni/channel-sdk';
import {
  QUICK_REPLY_DESCRIPTION_LIMIT,
  QUICK_REPLY_LABEL_LIMIT,
  QUICK_REPLY_METADATA_LIMIT,
  QUICK_REPLY_OPTION_LIMIT,
} from './capabilities';
import type { OfferedOption } from './degrade';

export interface V1QuickReply {
  type: 'options';
  options: Array<{ label: string; description?: string; metadata?: string }>;
}

/**
 * v1.1 quick reply options (PLhery/node-twitter-api-v2 dm.v1.types.ts, docs/channels/twitter.md): at most
 * 20, label ≤ 36, description ≤ 72 and either on every option or on none, metadata ≤ 1,000.
 * Returns undefined when the options cannot be shown natively without losing something (too many,
 * or a payload too long to round-trip): the caller then degrades to a numbered list instead.
 * Labels and descriptions are display text, so they are shortened rather than refused.
 */
export function v1QuickReply(options: readonly OfferedOption[]): V1QuickReply | undefined {
  if (!options.length || options.length > QUICK_REPLY_OPTION_LIMIT) return undefined;
  if (options.some((o) => Array.from(o.payload).length > QUICK_REPLY_METADATA_LIMIT)) return undefined;
  const describeAll = options.every((o) => o.description.trim().length > 0);
  return {
    type: 'options',
    options: options.map((o) => ({
      label: truncate(o.title, QUICK_REPLY_LABEL_LIMIT),
      ...(describeAll ? { description: truncate(o.description, QUICK_REPLY_DESCRIPTION_LIMIT) } : {}),
      // An empty payload would come back with no metadata; the title is the next best answer key.
      metadata: o.payload || o.title,
    })),
  };
}
