import { MalformedPayloadError, reasonOf, storableEvents, unreadableEvent, type ChannelEvent } from '@omni/channel-sdk';
import { channelSlug, timestampDate, type RawInbound } from '@omni/contracts';
import { NonRetryableError } from '@omni/messaging';
import { PARSERS } from './parsers';

/**
 * A raw record's channel events as the normalizer stores them: the channel's parser applied to the
 * body, and every event it could not make storable kept as an unreadable one. `recordTime` (the
 * Kafka record's time) stands in for a missing receive time. Pure: the same record always gives
 * the same events, so a batch may compute them ahead of its handlers.
 */
export function channelEventsOf(raw: RawInbound, recordTime: Date): ChannelEvent[] {
  const parser = PARSERS.get(raw.channel);
  if (!parser) throw new NonRetryableError(`no parser for channel ${raw.channel}`);
  const receivedAt = raw.receivedAt ? timestampDate(raw.receivedAt) : recordTime;
  let parsed;
  try {
    parsed = parser.parse({ accountId: raw.accountId, body: Buffer.from(raw.body), contentType: raw.contentType, webhookPath: raw.webhookPath, receivedAt, headers: raw.headers });
  } catch (err) {
    // Parsing is pure: a retry would fail the same way, so never block the partition retrying it.
    // Parsers keep unreadable items as events (totalEvents); this is only for a body as a whole.
    throw new NonRetryableError(`unparseable ${channelSlug(raw.channel)} webhook: ${err instanceof MalformedPayloadError ? err.message : reasonOf(err)}`);
  }
  // Whatever the parser gave, only storable events go on: the others are kept as unreadable.
  return storableEvents(parsed, (bad, reason) =>
    unreadableEvent({
      channel: raw.channel,
      accountId: raw.accountId || (bad.type === 'message' ? bad.message.accountId : bad.type === 'status' ? bad.status.accountId : bad.consent.accountId) || '',
      providerType: bad.type,
      json: bad.type === 'message' ? bad.message : bad.type === 'status' ? bad.status : bad.consent,
      receivedAt,
      reason,
    }),
  );
}
