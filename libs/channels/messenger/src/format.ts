import { numberedList, splitText, splitTextWithTail, truncate, type ProviderRequest } from '@omni/channel-sdk';
import {
  Button_Kind,
  DeliveryPolicy_MessagingType,
  MediaKind,
  SenderAction,
  type Button,
  type Card,
  type DeliveryPolicy,
  type OutboundApproved,
  type OutboundContent,
  type OutboundMedia,
  type QuickReplyOption,
} from '@omni/contracts';
import { MESSENGER_LIMITS as LIMITS } from './capabilities';
import type { GenericElement, SendApiBody, SendAttachment, SendMessage, SendQuickReply, TemplateButton } from './wire';

export interface MessengerFormatOptions {
  graphApiVersion: string;
}

/**
 * Turn an approved outbound into Send API requests (docs/channels/messenger.md), in the order to make them:
 *
 * 1. the sender action (typing_on / typing_off / mark_seen) as its own request;
 * 2. a reaction (`sender_action: react|unreact`, UNVERIFIED shape) as its own request;
 * 3. the media attachment, by URL (or attachment id when already uploaded);
 * 4. the text (media caption first, Messenger has no captions), split at 2,000 characters;
 *    with ≤ 3 buttons the last part (≤ 640) becomes a button template;
 * 5. cards as generic templates of ≤ 10 elements.
 * Quick replies ride on the last message; `reply_to` on the first.
 *
 * Degradation, decided once for every Messenger send:
 * - more than 13 quick replies: none native, all written as a numbered list under the text, so
 *   every option stays visible and answerable ("2" or the title, see `matchNumberedAnswer`);
 *   titles over 20 are cut with an ellipsis (the payload keeps the full meaning);
 * - more than 3 buttons, or buttons with no text to carry them: numbered list too (URL and phone
 *   buttons show their target);
 * - a card keeps its first 3 buttons (the generic template maximum).
 *
 * Every message request carries `messaging_type` (and `tag`) from the window-policy's verdict.
 * Credentials are not added here (see `toHttp`).
 */
export function formatMessengerOutbound(approved: OutboundApproved, options: MessengerFormatOptions): ProviderRequest[] {
  const request = approved.request;
  const psid = request?.recipient?.channelUserId;
  if (!request || !psid) throw new Error('messenger: approved outbound has no recipient');
  const content = request.content;
  if (content?.template) {
    throw new Error('messenger: template sends are not supported (utility message shape is UNVERIFIED); the window policy must not approve them');
  }
  const path = `/${options.graphApiVersion}/me/messages`;
  const recipient = { id: psid };
  const requests: ProviderRequest[] = [];
  const post = (json: SendApiBody, purpose: string) => requests.push({ method: 'POST', path, json, purpose });

  const action = senderAction(content?.senderAction);
  if (action) post({ recipient, sender_action: action }, 'sender_action');

  const reaction = content?.reaction;
  if (reaction?.targetProviderMessageId) {
    post(
      reaction.emoji
        ? { recipient, sender_action: 'react', payload: { message_id: reaction.targetProviderMessageId, reaction: reaction.emoji } }
        : { recipient, sender_action: 'unreact', payload: { message_id: reaction.targetProviderMessageId } },
      'reaction',
    );
  }

  const messages = content ? composeMessages(content) : [];
  if (messages.length > 0 && request.replyToProviderMessageId) messages[0]!.message.reply_to = { mid: request.replyToProviderMessageId };
  const delivery = deliveryFields(approved.policy);
  for (const { message, purpose } of messages) post({ recipient, ...delivery, message }, purpose);
  return requests;
}

function senderAction(action: SenderAction | undefined): SendApiBody['sender_action'] | undefined {
  switch (action) {
    case SenderAction.TYPING_ON:
      return 'typing_on';
    case SenderAction.TYPING_OFF:
      return 'typing_off';
    case SenderAction.MARK_SEEN:
      return 'mark_seen';
    default:
      return undefined;
  }
}

/** RESPONSE inside the window, UPDATE for proactive sends, MESSAGE_TAG + tag outside it. */
export function deliveryFields(policy: DeliveryPolicy | undefined): Pick<SendApiBody, 'messaging_type' | 'tag'> {
  switch (policy?.messagingType) {
    case DeliveryPolicy_MessagingType.MESSAGE_TAG:
      if (!policy.tag) throw new Error('messenger: MESSAGE_TAG delivery policy without a tag');
      return { messaging_type: 'MESSAGE_TAG', tag: policy.tag };
    case DeliveryPolicy_MessagingType.UPDATE:
      return { messaging_type: 'UPDATE' };
    default:
      // RESPONSE is what an unspecified policy can safely mean: a reply inside the window.
      return { messaging_type: 'RESPONSE' };
  }
}

interface PlannedMessage {
  message: SendMessage;
  purpose: string;
}

function composeMessages(content: OutboundContent): PlannedMessage[] {
  const planned: PlannedMessage[] = [];
  if (content.media) planned.push({ message: { attachment: mediaAttachment(content.media) }, purpose: 'media' });

  let text = [content.media?.caption ?? '', content.text].filter((t) => t.trim() !== '').join('\n\n');
  const nativeButtons = content.buttons.length > 0 && content.buttons.length <= LIMITS.buttons && text !== '';
  if (content.buttons.length > 0 && !nativeButtons) text = numberedList(text, content.buttons.map((b) => ({ title: buttonLine(b) })));
  const nativeQuickReplies = content.quickReplies.length > 0 && content.quickReplies.length <= LIMITS.quickReplies && (text !== '' || planned.length > 0 || content.cards.length > 0);
  if (content.quickReplies.length > 0 && !nativeQuickReplies) text = numberedList(text, content.quickReplies);

  if (nativeButtons) {
    // The button template's text is capped lower than plain text: what does not fit goes first.
    const { head: plain, tail: templateText } = splitTextWithTail(text, LIMITS.text, LIMITS.buttonTemplateText);
    plain.forEach((part, i) => planned.push({ message: { text: part }, purpose: numbered('text', i, plain.length) }));
    planned.push({
      message: { attachment: { type: 'template', payload: { template_type: 'button', text: templateText, buttons: content.buttons.map(templateButton) } } },
      purpose: 'button_template',
    });
  } else {
    const parts = splitText(text, LIMITS.text);
    parts.forEach((part, i) => planned.push({ message: { text: part }, purpose: numbered('text', i, parts.length) }));
  }

  const cardChunks = chunk(content.cards, LIMITS.genericElements);
  cardChunks.forEach((cards, i) => {
    planned.push({
      message: { attachment: { type: 'template', payload: { template_type: 'generic', elements: cards.map(genericElement) } } },
      purpose: numbered('generic_template', i, cardChunks.length),
    });
  });

  if (nativeQuickReplies && planned.length > 0) planned[planned.length - 1]!.message.quick_replies = content.quickReplies.map(quickReply);
  return planned;
}

function numbered(purpose: string, index: number, total: number): string {
  return total > 1 ? `${purpose} ${index + 1}/${total}` : purpose;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function mediaAttachment(media: OutboundMedia): SendAttachment {
  const type = media.kind === MediaKind.VIDEO ? 'video' : media.kind === MediaKind.AUDIO ? 'audio' : media.kind === MediaKind.FILE ? 'file' : 'image';
  if (media.kind === MediaKind.UNSPECIFIED && !media.url && !media.providerMediaId) throw new Error('messenger: media without kind, URL or id');
  return { type, payload: media.providerMediaId ? { attachment_id: media.providerMediaId } : { url: media.url } };
}

function quickReply(option: QuickReplyOption): SendQuickReply {
  return {
    content_type: 'text',
    title: truncate(option.title, LIMITS.quickReplyTitle),
    // Messenger requires a payload for text quick replies; the full title is the natural one.
    payload: truncate(option.payload || option.title, LIMITS.quickReplyPayload),
  };
}

function templateButton(button: Button): TemplateButton {
  const title = truncate(button.title, LIMITS.buttonTitle);
  switch (button.kind) {
    case Button_Kind.URL:
      return { type: 'web_url', title, url: button.value };
    case Button_Kind.PHONE:
      return { type: 'phone_number', title, payload: button.value };
    default:
      return { type: 'postback', title, payload: button.value || button.title };
  }
}

/** How a button reads once degraded into a numbered list line. */
function buttonLine(button: Button): string {
  return button.kind === Button_Kind.URL || button.kind === Button_Kind.PHONE ? `${button.title}: ${button.value}` : button.title;
}

function genericElement(card: Card): GenericElement {
  const element: GenericElement = { title: truncate(card.title || card.subtitle || '-', LIMITS.genericTitle) };
  if (card.subtitle && card.title) element.subtitle = truncate(card.subtitle, LIMITS.genericSubtitle);
  if (card.imageUrl) element.image_url = card.imageUrl;
  if (card.defaultUrl) element.default_action = { type: 'web_url', url: card.defaultUrl };
  if (card.buttons.length > 0) element.buttons = card.buttons.slice(0, LIMITS.genericButtons).map(templateButton);
  return element;
}
