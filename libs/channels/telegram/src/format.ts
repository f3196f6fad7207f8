import { numberedList, splitText, truncate, type ProviderRequest } from '@omni/channel-sdk';
import { Button_Kind, MediaKind, SenderAction, type OutboundApproved, type OutboundContent } from '@omni/contracts';
import { TELEGRAM_LIMITS } from './capabilities';
import type { TgInlineButton } from './wire';

const MEDIA_METHODS: Partial<Record<MediaKind, { path: string; field: string }>> = {
  [MediaKind.IMAGE]: { path: '/sendPhoto', field: 'photo' },
  [MediaKind.VIDEO]: { path: '/sendVideo', field: 'video' },
  [MediaKind.AUDIO]: { path: '/sendAudio', field: 'audio' },
  [MediaKind.FILE]: { path: '/sendDocument', field: 'document' },
  [MediaKind.ANIMATED_GIF]: { path: '/sendAnimation', field: 'animation' },
};

interface Option {
  title: string;
  /** callback_data for answers, url for links. */
  button: TgInlineButton;
}

/**
 * An approved outbound → Bot API calls, in order.
 *
 * Degradations, decided once:
 * - quick replies and postback buttons become inline keyboard buttons (`callback_data` = the
 *   payload, one button per row) and URL buttons become `url` buttons, on the last text part;
 *   more than 10 answers or links, or a payload over 64 bytes, and all options are written out
 *   as a numbered list instead (the customer answers by number or title); phone buttons are
 *   always written out (bots cannot offer a call button);
 * - cards (no carousel) are written out: title, subtitle, link, one line each;
 * - text over 4096 characters is split at paragraph/sentence/space boundaries;
 * - media goes by URL with the caption when it fits 1024 characters, else the caption follows
 *   as text;
 * - typing → `sendChatAction`; typing off and mark-seen need no call (Telegram clears typing
 *   itself and has no read receipts for bots);
 * - templates and reactions are refused (the send fails with a clear reason).
 */
export function formatTelegramOutbound(approved: OutboundApproved): ProviderRequest[] {
  const request = approved.request;
  const chatId = request?.recipient?.channelUserId ?? '';
  if (!chatId) throw new Error('outbound without a recipient chat id');
  const content = request?.content;
  if (!content) throw new Error('outbound without content');
  if (content.template) throw new Error('Telegram has no message templates');
  if (content.reaction) throw new Error('reactions are not supported on Telegram by Omni');

  if (content.senderAction === SenderAction.TYPING_ON) {
    return [{ method: 'POST', path: '/sendChatAction', json: { chat_id: chatId, action: 'typing' }, purpose: 'typing' }];
  }
  if (content.senderAction === SenderAction.TYPING_OFF || content.senderAction === SenderAction.MARK_SEEN) return [];

  const requests: ProviderRequest[] = [];
  let text = [content.text, ...cardLines(content)].filter((part) => part !== '').join('\n\n');

  if (content.media) {
    const method = MEDIA_METHODS[content.media.kind];
    if (!method) throw new Error(`media kind ${MediaKind[content.media.kind]} is not supported on Telegram`);
    const source = content.media.providerMediaId || content.media.url;
    if (!source) throw new Error('media without a URL or file id');
    const caption = content.media.caption;
    const fits = caption !== '' && Array.from(caption).length <= TELEGRAM_LIMITS.caption;
    requests.push({ method: 'POST', path: method.path, json: { chat_id: chatId, [method.field]: source, ...(fits ? { caption } : {}) }, purpose: 'media' });
    if (caption && !fits) text = [caption, text].filter((part) => part !== '').join('\n\n');
  }

  const { keyboard, writtenOut } = keyboardFor(content);
  const phones = content.buttons.filter((b) => b.kind === Button_Kind.PHONE).map((b) => ({ title: `${b.title}: ${b.value}` }));
  text = numberedList(text, [...writtenOut, ...phones]);
  // A keyboard needs a message to sit on: with no text at all, the options are its text.
  if (text === '' && keyboard) text = numberedList('', keyboard.map(([button]) => ({ title: button!.text ?? '' })));
  if (text === '') return requests;

  const parts = splitText(text, TELEGRAM_LIMITS.text);
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    requests.push({
      method: 'POST',
      path: '/sendMessage',
      json: { chat_id: chatId, text: part, ...(last && keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}) },
      purpose: parts.length > 1 ? `text ${i + 1}/${parts.length}` : 'text',
    });
  });
  return requests;
}

/** Cards written out, one block each: title, subtitle, link. */
function cardLines(content: OutboundContent): string[] {
  return content.cards.map((card) => [card.title, card.subtitle, card.defaultUrl].filter((line) => line !== '').join('\n'));
}

/** The inline keyboard (one button per row), or the options to write out when they do not fit. */
function keyboardFor(content: OutboundContent): { keyboard?: TgInlineButton[][]; writtenOut: Array<{ title: string }> } {
  const answers: Option[] = [
    ...content.quickReplies.map((o) => ({ title: o.title, button: { callback_data: o.payload || o.title } })),
    ...content.buttons.filter((b) => b.kind === Button_Kind.POSTBACK || b.kind === Button_Kind.UNSPECIFIED).map((b) => ({ title: b.title, button: { callback_data: b.value || b.title } })),
    ...content.cards.flatMap((card) => card.buttons.filter((b) => b.kind === Button_Kind.POSTBACK).map((b) => ({ title: `${card.title}: ${b.title}`, button: { callback_data: b.value || b.title } }))),
  ];
  const links: Option[] = content.buttons.filter((b) => b.kind === Button_Kind.URL).map((b) => ({ title: b.title, button: { url: b.value } }));
  const options = [...answers, ...links];
  if (!options.length) return { writtenOut: [] };
  const fits =
    answers.length <= TELEGRAM_LIMITS.keyboardOptions &&
    links.length <= TELEGRAM_LIMITS.keyboardOptions &&
    answers.every((o) => Buffer.byteLength(o.button.callback_data ?? '') <= TELEGRAM_LIMITS.callbackData);
  if (!fits) return { writtenOut: options.map((o) => ({ title: o.button.url ? `${o.title}: ${o.button.url}` : o.title })) };
  return { keyboard: options.map((o) => [{ text: truncate(o.title, TELEGRAM_LIMITS.buttonText), ...o.button }]), writtenOut: [] };
}
