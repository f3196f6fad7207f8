import { Channel, Direction, MediaKind, timestampFromDate } from '@omni/contracts';
import type { ChannelEvent, ChannelParser, MessageInit, RawWebhook } from '@omni/channel-sdk';
import { isStatusCallback, TwilioForm } from './form';
import { consentSignal } from './keywords';
import { statusCallbackToEvent } from './status';

/**
 * One Twilio webhook (form-encoded, twilio.com/docs/messaging/guides/webhook-request) → events:
 * - a status callback → one status event;
 * - an inbound message → one media message per MediaUrl{i}, then the text (an empty text only when
 *   there is no media; ids `sid`, `sid#1`, `sid#2`…), then a consent event when the body is an opt-out/opt-in/help keyword or
 *   Twilio's Advanced Opt-Out says so. The keyword message itself still reaches history.
 * Inbound SMS carry no provider time (docs/channels/protocols.md): providerTimestamp is when Omni received it.
 */
/** Twilio attaches at most 10 media to one message (MediaUrl0 … MediaUrl9). */
export const TWILIO_MAX_MEDIA = 10;

export function parseSmsWebhook(raw: RawWebhook): ChannelEvent[] {
  const form = new TwilioForm(raw.body);
  if (isStatusCallback(raw.webhookPath, form)) {
    return [
      statusCallbackToEvent(
        {
          messageSid: form.messageSid(),
          messageStatus: form.require('MessageStatus').toLowerCase(),
          errorCode: form.get('ErrorCode'),
          from: form.get('From') ?? '',
          to: form.get('To') ?? '',
          numSegments: form.get('NumSegments'),
        },
        raw.receivedAt,
      ),
    ];
  }
  return inboundEvents(form, raw.receivedAt);
}

export const smsParser: ChannelParser = { channel: Channel.SMS, slug: 'sms', parse: parseSmsWebhook };

function inboundEvents(form: TwilioForm, receivedAt: Date): ChannelEvent[] {
  const sid = form.messageSid();
  const from = form.require('From');
  const to = form.require('To');
  const body = form.get('Body') ?? '';
  const base = (providerMessageId: string, content: MessageInit['content']): MessageInit => ({
    channel: Channel.SMS,
    providerMessageId,
    direction: Direction.INBOUND,
    isEcho: false,
    accountId: to,
    sender: { channelUserId: from },
    recipient: { channelUserId: to },
    receivedAt: timestampFromDate(receivedAt),
    providerTimestamp: timestampFromDate(receivedAt),
    content,
  });

  // One Twilio message can give several canonical messages (each media item, then the text).
  // House convention (docs/channels/adding-a-channel.md): part 0 keeps the MessageSid, later
  // parts get `sid#1`, `sid#2`… so each is deduplicated on its own.
  const contents: Array<MessageInit['content']> = [];
  // Bounded by Twilio's limit, not by what the body claims: NumMedia=9e15 once looped for ever.
  const numMedia = Number(form.get('NumMedia') ?? '0');
  const mediaCount = Number.isInteger(numMedia) && numMedia > 0 ? Math.min(numMedia, TWILIO_MAX_MEDIA) : 0;
  for (let i = 0; i < mediaCount; i++) {
    const url = form.get(`MediaUrl${i}`);
    if (!url) continue;
    const mimeType = form.get(`MediaContentType${i}`) ?? '';
    contents.push({ kind: { case: 'media', value: { kind: mediaKind(mimeType), url, mimeType } } });
  }
  if (body.length > 0 || contents.length === 0) contents.push({ kind: { case: 'text', value: { text: body, urls: [] } } });
  const events: ChannelEvent[] = contents.map((content, part) => {
    const id = part === 0 ? sid : `${sid}#${part}`;
    return { type: 'message', dedupeKey: id, message: base(id, content) };
  });

  const signal = consentSignal(body, form.get('OptOutType'));
  if (signal) {
    events.push({
      type: 'consent',
      dedupeKey: `${sid}:consent`,
      consent: {
        channel: Channel.SMS,
        channelUserId: from,
        accountId: to,
        state: signal.state,
        keyword: signal.keyword,
        providerMessageId: sid,
        occurredAt: timestampFromDate(receivedAt),
      },
    });
  }
  return events;
}

function mediaKind(mimeType: string): MediaKind {
  const type = mimeType.toLowerCase();
  if (type === 'image/gif') return MediaKind.ANIMATED_GIF;
  if (type.startsWith('image/')) return MediaKind.IMAGE;
  if (type.startsWith('video/')) return MediaKind.VIDEO;
  if (type.startsWith('audio/')) return MediaKind.AUDIO;
  return MediaKind.FILE;
}
