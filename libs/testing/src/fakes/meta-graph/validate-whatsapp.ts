import type { GraphError } from './graph-errors';

/**
 * The Cloud API's request rules the fake enforces (docs/channels/whatsapp.md), answered like Meta: code
 * 100 "Invalid parameter" (or 131008/131009) with `error_data.details` saying what is wrong.
 */

const MESSAGE_TYPES = new Set(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive', 'template', 'reaction']);
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);

const invalid = (details: string, code = 100): GraphError => ({
  message: code === 100 ? '(#100) Invalid parameter' : code === 131008 ? '(#131008) Required parameter is missing' : '(#131009) Parameter value is not valid',
  type: 'OAuthException',
  code,
  error_data: { messaging_product: 'whatsapp', details },
});

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const length = (value: string) => Array.from(value).length;
const isText = (value: unknown, max: number, min = 1): value is string => typeof value === 'string' && length(value) >= min && length(value) <= max;

/** What kind of call a valid body is, for the answer: a message, or a read receipt. */
export type CloudApiCall = 'message' | 'mark_read';

export function validateCloudApiBody(body: unknown): { error: GraphError } | { call: CloudApiCall } {
  if (!isObject(body)) return { error: invalid('Request body must be a JSON object') };
  if (body.messaging_product !== 'whatsapp') return { error: invalid('The parameter messaging_product is required.', 131008) };

  if (body.status !== undefined) {
    if (body.status !== 'read') return { error: invalid('Param status must be "read"') };
    if (typeof body.message_id !== 'string' || body.message_id === '') return { error: invalid('Param message_id is required', 131008) };
    if (body.typing_indicator !== undefined && (!isObject(body.typing_indicator) || body.typing_indicator.type !== 'text')) {
      return { error: invalid('Param typing_indicator[type] must be "text"') };
    }
    return { call: 'mark_read' };
  }

  if (typeof body.to !== 'string' || !/^\+?\d{5,20}$/.test(body.to)) return { error: invalid('Param to must be a phone number (digits)', 131009) };
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') return { error: invalid('Param recipient_type must be "individual"') };
  const type = body.type ?? 'text';
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) return { error: invalid(`Unsupported message type ${String(type)}`) };
  const object = body[type];
  if (!isObject(object)) return { error: invalid(`Param ${type} is required`, 131008) };
  if (body.context !== undefined && (!isObject(body.context) || typeof body.context.message_id !== 'string')) return { error: invalid('Param context[message_id] is required') };
  if (body.biz_opaque_callback_data !== undefined && !isText(body.biz_opaque_callback_data, 512)) return { error: invalid('biz_opaque_callback_data must be at most 512 characters') };

  const error = validateObject(type, object);
  return error ? { error } : { call: 'message' };
}

function validateObject(type: string, object: Record<string, unknown>): GraphError | undefined {
  if (type === 'text') return isText(object.body, 4096) ? undefined : invalid("Param text['body'] must be 1 to 4096 characters");
  if (MEDIA_TYPES.has(type)) {
    if (typeof object.link !== 'string' && typeof object.id !== 'string') return invalid(`Param ${type} needs link or id`, 131008);
    if (object.caption !== undefined && (type === 'audio' || type === 'sticker')) return invalid(`Param ${type}[caption] is not allowed`);
    return undefined;
  }
  if (type === 'reaction') {
    if (typeof object.message_id !== 'string') return invalid('Param reaction[message_id] is required', 131008);
    return typeof object.emoji === 'string' ? undefined : invalid('Param reaction[emoji] is required', 131008);
  }
  if (type === 'template') {
    if (!isText(object.name, 512)) return invalid('Param template[name] is required', 131008);
    if (!isObject(object.language) || typeof object.language.code !== 'string') return invalid('Param template[language][code] is required', 131008);
    if (object.components !== undefined && !Array.isArray(object.components)) return invalid('Param template[components] must be an array');
    return undefined;
  }
  if (type === 'interactive') return validateInteractive(object);
  return undefined;
}

function validateInteractive(interactive: Record<string, unknown>): GraphError | undefined {
  if (!isObject(interactive.body) || !isText(interactive.body.text, 1024)) return invalid('Param interactive[body][text] must be 1 to 1024 characters');
  const action = interactive.action;
  if (!isObject(action)) return invalid('Param interactive[action] is required', 131008);
  if (interactive.type === 'button') {
    const buttons = action.buttons;
    if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > 3) return invalid('Reply buttons: 1 to 3 buttons');
    const ids = new Set<string>();
    for (const button of buttons) {
      const reply = isObject(button) && button.type === 'reply' && isObject(button.reply) ? button.reply : undefined;
      if (!reply || !isText(reply.id, 256) || !isText(reply.title, 20)) return invalid('Reply button needs id (≤ 256) and title (≤ 20)');
      if (ids.has(reply.id)) return invalid('Reply button ids must be unique');
      ids.add(reply.id);
    }
    return undefined;
  }
  if (interactive.type === 'list') {
    if (!isText(action.button, 20)) return invalid('List button label must be 1 to 20 characters');
    const sections = action.sections;
    if (!Array.isArray(sections) || sections.length === 0 || sections.length > 10) return invalid('List: 1 to 10 sections');
    let rows = 0;
    for (const section of sections) {
      if (!isObject(section) || !Array.isArray(section.rows)) return invalid('List section needs rows');
      if (sections.length > 1 && !isText(section.title, 24)) return invalid('List section title (≤ 24) is required with several sections');
      for (const row of section.rows) {
        rows += 1;
        if (!isObject(row) || !isText(row.id, 200) || !isText(row.title, 24)) return invalid('List row needs id (≤ 200) and title (≤ 24)');
        if (row.description !== undefined && !isText(row.description, 72, 0)) return invalid('List row description must be at most 72 characters');
      }
    }
    return rows >= 1 && rows <= 10 ? undefined : invalid('List: 1 to 10 rows in total');
  }
  return invalid(`Unsupported interactive type ${String(interactive.type)}`);
}
