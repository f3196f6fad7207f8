import { SenderAction, type OutboundApproved, type OutboundContent } from '@omni/contracts';
import { numberedList, splitText } from '@omni/channel-sdk';
import type { ProviderRequest } from '@omni/channel-sdk';
import { TWITTER_TEXT_LIMIT } from './capabilities';
import { offeredOptions, richContentLines } from './degrade';
import { v1QuickReply, type V1QuickReply } from './quick-replies';

export interface TwitterFormatOptions {
  /** Use the legacy v1.1 DM endpoints for quick replies, typing and mark-read (UNVERIFIED today). */
  useLegacyV1: boolean;
}

export const V2_DM_PATH = (participantId: string) => `/2/dm_conversations/with/${encodeURIComponent(participantId)}/messages`;
export const V1_DM_PATH = '/1.1/direct_messages/events/new.json';
export const V1_TYPING_PATH = '/1.1/direct_messages/indicate_typing.json';
export const V1_MARK_READ_PATH = '/1.1/direct_messages/mark_read.json';

/**
 * An approved outbound → the X requests to make, in order.
 * - Text goes to v2 `POST /2/dm_conversations/with/{id}/messages`, split at 10,000 characters.
 * - Quick replies and postback buttons: native v1.1 options on the last part when `useLegacyV1`
 *   is on and they fit; otherwise a numbered list in the text (v2 has no quick replies).
 * - URL/phone buttons and cards become text lines.
 * - Media needs an id uploaded by the sender: `provider_media_id` is attached to the first part;
 *   without one, the media URL is sent as a link in the text.
 * - Typing and mark-read exist only in v1.1: without `useLegacyV1` they produce no request.
 * - Reactions have no X API: no request.
 */
export function formatTwitterOutbound(approved: OutboundApproved, options: TwitterFormatOptions): ProviderRequest[] {
  const request = approved.request;
  const recipientId = request?.recipient?.channelUserId;
  if (!request || !recipientId) throw new Error(`outbound ${approved.id} has no recipient X user id`);
  const content = request.content;
  if (!content) return [];
  return [
    ...senderActionRequests(content.senderAction, recipientId, request.replyToProviderMessageId, options),
    ...messageRequests(content, recipientId, options),
  ];
}

function senderActionRequests(
  action: SenderAction,
  recipientId: string,
  lastReadEventId: string,
  options: TwitterFormatOptions,
): ProviderRequest[] {
  if (!options.useLegacyV1) return [];
  // v1.1 reads these as form fields (node-twitter-api-v2 uses forceBodyMode 'url' for both).
  if (action === SenderAction.TYPING_ON) {
    return [{ method: 'POST', path: V1_TYPING_PATH, form: [['recipient_id', recipientId]], purpose: 'typing' }];
  }
  if (action === SenderAction.MARK_SEEN && lastReadEventId) {
    return [
      {
        method: 'POST',
        path: V1_MARK_READ_PATH,
        form: [
          ['last_read_event_id', lastReadEventId],
          ['recipient_id', recipientId],
        ],
        purpose: 'mark_read',
      },
    ];
  }
  return []; // TYPING_OFF: X has no call; the indicator simply expires.
}

function messageRequests(content: OutboundContent, recipientId: string, options: TwitterFormatOptions): ProviderRequest[] {
  const offered = offeredOptions(content);
  const native = options.useLegacyV1 ? v1QuickReply(offered) : undefined;
  const mediaId = content.media?.providerMediaId ?? '';
  const mediaLink = !mediaId ? (content.media?.url ?? '') : '';
  let text = [content.text, content.media?.caption ?? '', ...richContentLines(content), mediaLink]
    .filter((line) => line.length > 0)
    .join('\n');
  if (!native && offered.length) text = numberedList(text, offered);

  if (!text && !mediaId && !native) {
    if (content.template) throw new Error('X DMs have no message templates: nothing to send');
    return [];
  }
  const parts = text ? splitText(text, TWITTER_TEXT_LIMIT) : [''];
  return parts.map((part, i) => {
    const isLast = i === parts.length - 1;
    const media = i === 0 && mediaId ? mediaId : undefined;
    const counter = parts.length > 1 ? ` ${i + 1}/${parts.length}` : '';
    if (isLast && native) return v1Message(recipientId, part, native, media, `quick_replies${counter}`);
    const purpose = part ? `text${counter}` : 'media';
    return v2Message(recipientId, part, media, purpose);
  });
}

function v2Message(recipientId: string, text: string, mediaId: string | undefined, purpose: string): ProviderRequest {
  const json: { text?: string; attachments?: Array<{ media_id: string }> } = {};
  if (text) json.text = text;
  if (mediaId) json.attachments = [{ media_id: mediaId }];
  return { method: 'POST', path: V2_DM_PATH(recipientId), json, purpose };
}

function v1Message(recipientId: string, text: string, quickReply: V1QuickReply, mediaId: string | undefined, purpose: string): ProviderRequest {
  const messageData: Record<string, unknown> = { text, quick_reply: quickReply };
  if (mediaId) messageData['attachment'] = { type: 'media', media: { id: mediaId } };
  return {
    method: 'POST',
    path: V1_DM_PATH,
    json: { event: { type: 'message_create', message_create: { target: { recipient_id: recipientId }, message_data: messageData } } },
    purpose,
  };
}
