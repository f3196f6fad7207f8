/**
 * The parts of the Telegram Bot API's JSON that Omni reads (core.telegram.org/bots/api; see
 * docs/channels/telegram.md). Everything is optional: updates are read defensively.
 */
export interface TgUser {
  id?: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id?: number;
  type?: 'private' | 'group' | 'supergroup' | 'channel';
}

export interface TgInlineButton {
  text?: string;
  callback_data?: string;
  url?: string;
}

export interface TgMessage {
  message_id?: number;
  from?: TgUser;
  chat?: TgChat;
  /** Unix time, seconds. */
  date?: number;
  edit_date?: number;
  text?: string;
  reply_markup?: { inline_keyboard?: TgInlineButton[][] };
  [kind: string]: unknown;
}

export interface TgCallbackQuery {
  id?: string;
  from?: TgUser;
  message?: TgMessage;
  data?: string;
}

export interface TgChatMemberUpdated {
  chat?: TgChat;
  from?: TgUser;
  date?: number;
  new_chat_member?: { status?: string; user?: TgUser };
}

/** One webhook body: `update_id` plus exactly one optional field saying what happened. */
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
  [kind: string]: unknown;
}

/** Every Bot API answer: `ok`, then `result` or `error_code` + `description` (+ `parameters`). */
export interface TgResponse {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}
