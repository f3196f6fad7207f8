import { EntryPoint_Source, type EntryPointSchema, type MessageInitShape } from '@omni/contracts';
import type { WireReferral } from './wire';

type EntryPointInit = MessageInitShape<typeof EntryPointSchema>;

/**
 * How the customer arrived, from a Messenger `referral` (docs/channels/messenger.md): an m.me link
 * (`SHORTLINK`, `?ref=`) is a deep link, a Click-to-Messenger ad (`ADS`, `ad_id`) an ad; the chat
 * plugin and anything newer are `OTHER`, with Meta's own source name kept in the attributes.
 */
export function entryPointFromReferral(referral: WireReferral | undefined): EntryPointInit | undefined {
  if (!referral || typeof referral !== 'object') return undefined;
  const attributes: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') attributes[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = String(value);
  };
  put('source', referral.source);
  put('type', referral.type);
  put('referer_uri', referral.referer_uri);
  put('product_id', referral.product?.id);
  // Ad context (title, photo/video URL, post id…) is flat scalars; nested objects are skipped.
  for (const [key, value] of Object.entries(referral.ads_context_data ?? {})) put(key, value);

  return {
    source: sourceOf(referral.source),
    ref: typeof referral.ref === 'string' ? referral.ref : undefined,
    adId: typeof referral.ad_id === 'string' ? referral.ad_id : undefined,
    attributes,
  };
}

function sourceOf(source: string | undefined): EntryPoint_Source {
  switch (source) {
    case 'SHORTLINK':
      return EntryPoint_Source.DEEP_LINK;
    case 'ADS':
      return EntryPoint_Source.AD;
    default:
      return EntryPoint_Source.OTHER;
  }
}
