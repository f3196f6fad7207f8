import { MalformedPayloadError, parseJsonObject } from '@omni/channel-sdk';
import type { TgUpdate } from './wire';

/** The update kinds Omni asks Telegram for (setWebhook `allowed_updates`) and models. */
export const MODELLED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/**
 * Shape check shared by inspect (gateway) and parse (normalizer): a JSON object with a numeric
 * `update_id` and at least one other field. Anything else is not a Telegram update.
 */
export function readUpdate(body: Buffer): TgUpdate {
  const json = parseJsonObject(body);
  if (typeof json.update_id !== 'number' || !Number.isSafeInteger(json.update_id)) {
    throw new MalformedPayloadError('not a Telegram update: update_id missing', 'update_id');
  }
  if (Object.keys(json).length < 2) throw new MalformedPayloadError('Telegram update without content', 'update_id');
  return json as TgUpdate;
}

/** The update's kind: the first field besides update_id (Telegram sends exactly one). */
export function updateKind(update: TgUpdate): string {
  return Object.keys(update).find((key) => key !== 'update_id') ?? 'unknown';
}

/** The chat an update happens in, when it has one. */
export function chatIdOf(update: TgUpdate): number | undefined {
  for (const id of [update.message?.chat?.id, update.edited_message?.chat?.id, update.callback_query?.message?.chat?.id, update.my_chat_member?.chat?.id] as unknown[]) {
    // Telegram's ids are integers; anything else (an object with its own toString) is no id.
    if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  }
  return undefined;
}

/** The user who caused the update, when it names one. */
export function userIdOf(update: TgUpdate): number | undefined {
  const kind = update[updateKind(update)] as { from?: { id?: unknown } } | undefined;
  const id = kind && typeof kind === 'object' ? kind.from?.id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}
