import { EntryPoint_Source, type EntryPointSchema, type MessageInitShape } from '@omni/contracts';

type EntryPointInit = MessageInitShape<typeof EntryPointSchema>;

/**
 * A Click-to-WhatsApp referral (docs/channels/whatsapp.md: `source_url, source_type ad|post, source_id,
 * headline, body, media_type, ctwa_clid, …`) as an entry point. Scalar fields are kept as
 * attributes so the router and CRMs see the ad's headline, URL and click id.
 */
export function entryPointFromReferral(referral: Record<string, unknown> | undefined): EntryPointInit | undefined {
  if (!referral || typeof referral !== 'object' || Array.isArray(referral)) return undefined;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(referral)) {
    if (typeof value === 'string' && value !== '') attributes[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = String(value);
  }
  const sourceType = referral.source_type;
  const sourceId = typeof referral.source_id === 'string' ? referral.source_id : undefined;
  const source = sourceType === 'ad' ? EntryPoint_Source.AD : sourceType === 'post' ? EntryPoint_Source.POST : EntryPoint_Source.OTHER;
  return { source, adId: source === EntryPoint_Source.AD ? sourceId : undefined, attributes };
}
