import { MediaKind, type ContentSchema, type MessageInitShape } from '@omni/contracts';
import { safeJsonText } from '@omni/channel-sdk';
import type { WireContactCard, WireMedia, WireMessage } from './wire';

export type ContentInit = MessageInitShape<typeof ContentSchema>;

const MEDIA_KINDS: Record<string, MediaKind> = {
  image: MediaKind.IMAGE,
  video: MediaKind.VIDEO,
  audio: MediaKind.AUDIO,
  document: MediaKind.FILE,
  sticker: MediaKind.STICKER,
};

/**
 * The canonical contents of one WhatsApp message (docs/channels/whatsapp.md), in order. Usually one; a
 * `contacts` message sharing several people gives one contact card each. Types Omni does not model
 * (order, system, unsupported, nfm_reply Flows, anything new) are kept as `unsupported` with the
 * message's JSON, and so is a known type whose object is missing.
 */
export function messageContents(message: WireMessage): ContentInit[] {
  const type = typeof message.type === 'string' ? message.type : 'unknown';
  const unsupported = (providerType = type): ContentInit[] => [
    { kind: { case: 'unsupported', value: { providerType, providerJson: safeJsonText(message) } } },
  ];

  if (type === 'text') {
    return typeof message.text?.body === 'string' ? [{ kind: { case: 'text', value: { text: message.text.body } } }] : unsupported();
  }
  if (type in MEDIA_KINDS) {
    const media = message[type as 'image'] as WireMedia | undefined;
    return media && typeof media === 'object' ? [mediaContent(MEDIA_KINDS[type]!, media)] : unsupported();
  }
  if (type === 'location') {
    const l = message.location;
    if (typeof l?.latitude !== 'number' || typeof l.longitude !== 'number') return unsupported();
    return [{ kind: { case: 'location', value: { latitude: l.latitude, longitude: l.longitude, name: l.name, address: l.address, url: l.url } } }];
  }
  if (type === 'contacts') {
    const cards = Array.isArray(message.contacts) ? message.contacts.filter((c) => c && typeof c === 'object') : [];
    return cards.length ? cards.map(contactCard) : unsupported();
  }
  if (type === 'interactive') {
    // A tap on our reply buttons or list rows: the id we set is the payload.
    const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
    if (!reply || typeof reply !== 'object') return unsupported(`interactive:${message.interactive?.type ?? 'unknown'}`);
    return [{ kind: { case: 'quickReply', value: { payload: stringOr(reply.id), text: stringOr(reply.title) } } }];
  }
  if (type === 'button') {
    // A quick-reply button on a template: same meaning as an interactive reply.
    if (!message.button || typeof message.button !== 'object') return unsupported();
    return [{ kind: { case: 'quickReply', value: { payload: stringOr(message.button.payload), text: stringOr(message.button.text) } } }];
  }
  if (type === 'reaction') {
    const r = message.reaction;
    if (!r || typeof r !== 'object') return unsupported();
    // No emoji means the customer removed their reaction.
    const emoji = stringOr(r.emoji);
    return [{ kind: { case: 'reaction', value: { targetProviderMessageId: stringOr(r.message_id), emoji, removed: emoji === '' } } }];
  }
  return unsupported();
}

function mediaContent(kind: MediaKind, media: WireMedia): ContentInit {
  return {
    kind: {
      case: 'media',
      value: {
        kind,
        // WhatsApp gives a media id; `GET /{media-id}` returns a short-lived URL (fetched with the bearer).
        providerMediaId: stringOr(media.id) || undefined,
        url: stringOr(media.url) || undefined,
        mimeType: stringOr(media.mime_type) || undefined,
        sha256: stringOr(media.sha256) || undefined,
        caption: stringOr(media.caption) || undefined,
        filename: stringOr(media.filename) || undefined,
      },
    },
  };
}

function contactCard(card: WireContactCard): ContentInit {
  const name = card.name ?? {};
  const formattedName = stringOr(name.formatted_name) || [name.first_name, name.last_name].filter((p) => typeof p === 'string' && p).join(' ');
  return {
    kind: {
      case: 'contactCard',
      value: {
        formattedName,
        phones: (Array.isArray(card.phones) ? card.phones : []).filter((p) => typeof p?.phone === 'string').map((p) => ({ number: p.phone!, type: stringOr(p.type) })),
        emails: (Array.isArray(card.emails) ? card.emails : []).filter((e) => typeof e?.email === 'string').map((e) => ({ address: e.email!, type: stringOr(e.type) })),
        organization: stringOr(card.org?.company) || undefined,
      },
    },
  };
}

function stringOr(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}
