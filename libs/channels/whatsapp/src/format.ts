import { numberedList, splitText, splitTextWithTail, truncate, type ProviderRequest } from '@omni/channel-sdk';
import {
  Button_Kind,
  MediaKind,
  SenderAction,
  type Button,
  type Card,
  type OutboundApproved,
  type OutboundContent,
  type OutboundMedia,
} from '@omni/contracts';
import { WHATSAPP_LIMITS as LIMITS } from './capabilities';
import { templateObject } from './template';
import type { InteractiveRow, SendBody } from './wire';

export interface WhatsAppFormatOptions {
  graphApiVersion: string;
  /** Label of the button that opens a list message (≤ 20); the contract has no field for it. */
  listButtonLabel: string;
}

/** An option the customer can tap: quick replies and postback buttons alike. */
interface TapOption {
  id: string;
  title: string;
  description: string;
}

/**
 * Turn an approved outbound into Cloud API requests (docs/channels/whatsapp.md), in the order to make them,
 * all `POST /{version}/{phone_number_id}/messages` from `request.accountId`:
 *
 * 1. MARK_SEEN → mark the customer's message read; TYPING_ON → read + typing indicator (one call).
 *    Both need the customer's last message id, taken from `request.replyToProviderMessageId`
 *    (for such requests that id names the message to mark, so it is not also sent as a quote).
 *    TYPING_OFF has no API: the indicator clears on our reply or after ~25 s.
 * 2. a reaction (empty emoji removes it);
 * 3. a template, when the request carries one: the template *is* the message (outside the 24 h
 *    window it is the only thing allowed), so text, options, media and cards are not sent with it;
 * 4. media by link (or uploaded id) with its caption (image, video, document);
 * 5. text split at 4,096, with the options:
 *    - 1–3 options (quick replies or postback buttons): reply buttons (title ≤ 20, id ≤ 256);
 *    - 4–10: a list (row title cut to the declared 20, description ≤ 72, label ≤ 20);
 *    - more, or no text to carry them, or ids too long to pass whole: a numbered list in the
 *      text (the customer answers "2" or the title);
 *    the interactive body holds ≤ 1,024, so a longer text goes first as plain text messages;
 *    URL and phone buttons have no free-form equivalent and are written as "Title: target" lines;
 * 6. cards, which WhatsApp only has as templates: one image-with-caption (or text) message each.
 *
 * `context` (reply) goes on the first message; `biz_opaque_callback_data` = the outbound id so
 * status webhooks name the outbound they are about.
 */
export function formatWhatsAppOutbound(approved: OutboundApproved, options: WhatsAppFormatOptions): ProviderRequest[] {
  const request = approved.request;
  const to = request?.recipient?.channelUserId?.replace(/^\+/, '');
  if (!request || !to) throw new Error('whatsapp: approved outbound has no recipient');
  if (!request.accountId) throw new Error('whatsapp: approved outbound has no account (phone_number_id to send from)');
  const path = `/${options.graphApiVersion}/${request.accountId}/messages`;
  const requests: ProviderRequest[] = [];
  const post = (json: SendBody, purpose: string) => requests.push({ method: 'POST', path, json, purpose });
  const content = request.content;
  const lastInbound = request.replyToProviderMessageId;

  const action = content?.senderAction ?? SenderAction.UNSPECIFIED;
  const marksRead = action === SenderAction.MARK_SEEN || action === SenderAction.TYPING_ON;
  if (marksRead && lastInbound) {
    post(
      {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: lastInbound,
        ...(action === SenderAction.TYPING_ON ? { typing_indicator: { type: 'text' } } : {}),
      },
      action === SenderAction.TYPING_ON ? 'typing_indicator' : 'mark_read',
    );
  }

  const envelope = { messaging_product: 'whatsapp' as const, recipient_type: 'individual' as const, to };
  const reaction = content?.reaction;
  if (reaction?.targetProviderMessageId) {
    post({ ...envelope, type: 'reaction', reaction: { message_id: reaction.targetProviderMessageId, emoji: reaction.emoji } }, 'reaction');
  }

  const messages = content ? composeMessages(content, options) : [];
  // The outbound id is the request's id: it is what the gateway's send ledger, its sent/failed
  // status events and the normalizer's history key sends by. (It used to be the approval's own
  // id, so `failed`/`delivered` status webhooks named an id nothing else knew.) The approval id
  // stays the fallback for requests without an id.
  const outboundId = request.id || approved.id;
  const tracking = outboundId ? { biz_opaque_callback_data: truncate(outboundId, LIMITS.callbackData) } : {};
  const quote = lastInbound && !marksRead ? lastInbound : undefined;
  messages.forEach(({ type, object, purpose }, i) => {
    post({ ...envelope, ...(i === 0 && quote ? { context: { message_id: quote } } : {}), type, [type]: object, ...tracking }, purpose);
  });
  return requests;
}

interface PlannedMessage {
  type: string;
  object: unknown;
  purpose: string;
}

function composeMessages(content: OutboundContent, options: WhatsAppFormatOptions): PlannedMessage[] {
  if (content.template) return [{ type: 'template', object: templateObject(content.template), purpose: 'template' }];
  const planned: PlannedMessage[] = [];

  let leftoverCaption = '';
  if (content.media) {
    const { type, object, captionCarried } = mediaMessage(content.media);
    planned.push({ type, object, purpose: 'media' });
    if (!captionCarried) leftoverCaption = content.media.caption;
  }

  const taps: TapOption[] = [
    ...content.quickReplies.map((q) => ({ id: q.payload || q.title, title: q.title, description: q.description })),
    ...content.buttons.filter(isTapButton).map((b) => ({ id: b.value || b.title, title: b.title, description: '' })),
  ];
  const linkLines = content.buttons.filter((b) => !isTapButton(b)).map((b) => `${b.title}: ${b.value}`);
  let text = [leftoverCaption, content.text, linkLines.join('\n')].filter((t) => t.trim() !== '').join('\n\n');

  const interactive = text !== '' ? interactiveKind(taps) : undefined;
  if (taps.length > 0 && !interactive) text = numberedList(text, taps);

  if (interactive) {
    // The interactive body is capped at 1,024: what does not fit goes first as plain text.
    const { head, tail: body } = splitTextWithTail(text, LIMITS.text, LIMITS.interactiveBody);
    head.forEach((part, i) => planned.push(textMessage(part, numbered('text', i, head.length))));
    planned.push(
      interactive === 'button'
        ? { type: 'interactive', object: replyButtons(body, taps), purpose: 'interactive_buttons' }
        : { type: 'interactive', object: list(body, taps, options.listButtonLabel), purpose: 'interactive_list' },
    );
  } else {
    const parts = splitText(text, LIMITS.text);
    parts.forEach((part, i) => planned.push(textMessage(part, numbered('text', i, parts.length))));
  }

  content.cards.forEach((card, i) => planned.push(cardMessage(card, numbered('card', i, content.cards.length))));
  return planned;
}

function isTapButton(button: Button): boolean {
  return button.kind !== Button_Kind.URL && button.kind !== Button_Kind.PHONE;
}

/** Which native interactive message fits these options, if any. */
function interactiveKind(taps: TapOption[]): 'button' | 'list' | undefined {
  if (taps.length === 0) return undefined;
  if (taps.length <= LIMITS.replyButtons && taps.every((t) => t.id.length <= LIMITS.replyButtonId)) return 'button';
  if (taps.length <= LIMITS.listRows && taps.every((t) => t.id.length <= LIMITS.listRowId)) return 'list';
  return undefined;
}

function numbered(purpose: string, index: number, total: number): string {
  return total > 1 ? `${purpose} ${index + 1}/${total}` : purpose;
}

function textMessage(body: string, purpose: string): PlannedMessage {
  // Link previews only when there is a link to preview.
  return { type: 'text', object: /https?:\/\//.test(body) ? { body, preview_url: true } : { body }, purpose };
}

function replyButtons(body: string, taps: TapOption[]) {
  return {
    type: 'button',
    body: { text: body },
    action: { buttons: taps.map((t) => ({ type: 'reply', reply: { id: t.id, title: truncate(t.title, LIMITS.replyButtonTitle) } })) },
  };
}

function list(body: string, taps: TapOption[], label: string) {
  const rows: InteractiveRow[] = taps.map((t) => {
    // Titles are cut to the declared quick-reply title limit (20), below the list's own 24.
    const row: InteractiveRow = { id: t.id, title: truncate(t.title, LIMITS.replyButtonTitle) };
    if (t.description) row.description = truncate(t.description, LIMITS.listRowDescription);
    return row;
  });
  return { type: 'list', body: { text: body }, action: { button: truncate(label, LIMITS.listButtonLabel), sections: [{ rows }] } };
}

const MEDIA_TYPES: Partial<Record<MediaKind, string>> = {
  [MediaKind.IMAGE]: 'image',
  [MediaKind.ANIMATED_GIF]: 'image',
  [MediaKind.VIDEO]: 'video',
  [MediaKind.AUDIO]: 'audio',
  [MediaKind.FILE]: 'document',
  [MediaKind.STICKER]: 'sticker',
};

/** Only these media types take a caption; audio and stickers cannot. */
const CAPTIONED = new Set(['image', 'video', 'document']);

function mediaMessage(media: OutboundMedia): { type: string; object: Record<string, unknown>; captionCarried: boolean } {
  const type = MEDIA_TYPES[media.kind] ?? 'document';
  if (!media.url && !media.providerMediaId) throw new Error('whatsapp: media without a link or media id');
  const object: Record<string, unknown> = media.providerMediaId ? { id: media.providerMediaId } : { link: media.url };
  const captionCarried = CAPTIONED.has(type) && media.caption !== '' && Array.from(media.caption).length <= LIMITS.caption;
  if (captionCarried) object.caption = media.caption;
  if (type === 'document' && media.filename) object.filename = media.filename;
  return { type, object, captionCarried: captionCarried || media.caption === '' };
}

/** A card as WhatsApp can show it free-form: its image with a caption, or a text. */
function cardMessage(card: Card, purpose: string): PlannedMessage {
  const lines = [card.title ? `*${card.title}*` : '', card.subtitle, card.defaultUrl, ...card.buttons.map((b) => (isTapButton(b) ? b.title : `${b.title}: ${b.value}`))];
  const text = lines.filter((l) => l !== '').join('\n');
  if (card.imageUrl) return { type: 'image', object: { link: card.imageUrl, caption: truncate(text, LIMITS.caption) }, purpose };
  return textMessage(truncate(text, LIMITS.text), purpose);
}
