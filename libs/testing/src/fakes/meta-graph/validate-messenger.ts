import type { GraphError } from './graph-errors';

/**
 * The Send API's request rules the fake enforces (docs/channels/messenger.md), answered with code 100 as
 * Graph does for bad parameters. Not every rule Meta has: the ones a formatter can get wrong.
 */

const MESSAGING_TYPES = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);
const TAGS = new Set(['HUMAN_AGENT', 'CUSTOMER_FEEDBACK', 'ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE']);
const SENDER_ACTIONS = new Set(['typing_on', 'typing_off', 'mark_seen', 'react', 'unreact']);
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'file']);
const BUTTON_TYPES = new Set(['web_url', 'postback', 'phone_number']);

const param = (message: string, subcode?: number): GraphError => ({
  message: `(#100) ${message}`,
  type: 'OAuthException',
  code: 100,
  ...(subcode !== undefined ? { error_subcode: subcode } : {}),
});

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const length = (value: string) => Array.from(value).length;

export function validateSendApiBody(body: unknown): GraphError | undefined {
  if (!isObject(body)) return param('The parameter recipient is required');
  if (!isObject(body.recipient) || typeof body.recipient.id !== 'string' || body.recipient.id === '') return param('The parameter recipient is required');
  const hasMessage = body.message !== undefined;
  const hasAction = body.sender_action !== undefined;
  if (hasMessage === hasAction) return param('Exactly one of message or sender_action must be provided');

  if (hasAction) {
    if (typeof body.sender_action !== 'string' || !SENDER_ACTIONS.has(body.sender_action)) return param('Param sender_action must be one of {typing_on, typing_off, mark_seen, react, unreact}');
    if (body.sender_action === 'react' || body.sender_action === 'unreact') {
      if (!isObject(body.payload) || typeof body.payload.message_id !== 'string') return param('Param payload[message_id] is required');
      if (body.sender_action === 'react' && typeof body.payload.reaction !== 'string') return param('Param payload[reaction] is required');
    }
    return undefined;
  }

  if (typeof body.messaging_type !== 'string' || !MESSAGING_TYPES.has(body.messaging_type)) return param('Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}');
  if (body.messaging_type === 'MESSAGE_TAG' && (typeof body.tag !== 'string' || !TAGS.has(body.tag))) return param('Param tag must be a valid message tag', 2018237);
  return validateMessage(body.message);
}

function validateMessage(message: unknown): GraphError | undefined {
  if (!isObject(message)) return param('Param message must be an object');
  const hasText = message.text !== undefined;
  const hasAttachment = message.attachment !== undefined;
  if (hasText === hasAttachment) return param('Exactly one of message[text] or message[attachment] must be provided');
  if (hasText) {
    if (typeof message.text !== 'string' || message.text === '') return param('Param message[text] must be a non-empty UTF-8 encoded string');
    if (length(message.text) > 2000) return param('Length of param message[text] must be less than or equal to 2000');
  }
  if (hasAttachment) {
    const error = validateAttachment(message.attachment);
    if (error) return error;
  }
  if (message.quick_replies !== undefined) {
    if (!Array.isArray(message.quick_replies) || message.quick_replies.length === 0) return param('Param message[quick_replies] must be a non-empty array');
    if (message.quick_replies.length > 13) return param('Param message[quick_replies] must have at most 13 elements');
    for (const reply of message.quick_replies) {
      if (!isObject(reply) || reply.content_type !== 'text') continue;
      if (typeof reply.title !== 'string' || reply.title === '' || length(reply.title) > 20) return param('Quick reply title must be 1 to 20 characters');
      if (typeof reply.payload !== 'string' || reply.payload === '' || length(reply.payload) > 1000) return param('Quick reply payload must be 1 to 1000 characters');
    }
  }
  if (message.reply_to !== undefined && (!isObject(message.reply_to) || typeof message.reply_to.mid !== 'string')) return param('Param message[reply_to][mid] is required');
  return undefined;
}

function validateAttachment(attachment: unknown): GraphError | undefined {
  if (!isObject(attachment) || !isObject(attachment.payload)) return param('Param message[attachment][payload] is required');
  const payload = attachment.payload;
  if (typeof attachment.type === 'string' && MEDIA_TYPES.has(attachment.type)) {
    if (typeof payload.url !== 'string' && typeof payload.attachment_id !== 'string') return param('Attachment needs payload[url] or payload[attachment_id]', 2018047);
    return undefined;
  }
  if (attachment.type !== 'template') return param('Param message[attachment][type] must be one of {image, audio, video, file, template}');
  if (payload.template_type === 'button') {
    if (typeof payload.text !== 'string' || payload.text === '' || length(payload.text) > 640) return param('Button template text must be 1 to 640 characters');
    return validateButtons(payload.buttons, 1);
  }
  if (payload.template_type === 'generic') {
    if (!Array.isArray(payload.elements) || payload.elements.length === 0 || payload.elements.length > 10) return param('Generic template needs 1 to 10 elements');
    for (const element of payload.elements) {
      if (!isObject(element) || typeof element.title !== 'string' || element.title === '' || length(element.title) > 80) return param('Element title must be 1 to 80 characters');
      if (element.subtitle !== undefined && (typeof element.subtitle !== 'string' || length(element.subtitle) > 80)) return param('Element subtitle must be at most 80 characters');
      if (element.buttons !== undefined) {
        const error = validateButtons(element.buttons, 0);
        if (error) return error;
      }
    }
    return undefined;
  }
  return param('Unsupported template_type');
}

function validateButtons(buttons: unknown, minimum: number): GraphError | undefined {
  if (!Array.isArray(buttons) || buttons.length < minimum || buttons.length > 3) return param(`Templates take ${minimum} to 3 buttons`);
  for (const button of buttons) {
    if (!isObject(button) || typeof button.type !== 'string' || !BUTTON_TYPES.has(button.type)) return param('Button type must be web_url, postback or phone_number');
    if (typeof button.title !== 'string' || button.title === '' || length(button.title) > 20) return param('Button title must be 1 to 20 characters');
    if (button.type === 'web_url' && typeof button.url !== 'string') return param('web_url button needs url');
    if (button.type !== 'web_url' && typeof button.payload !== 'string') return param(`${button.type} button needs payload`);
  }
  return undefined;
}
