import { waitFor } from '../../env';
import { baseRecord, FakeHttpServer, type FakeReply, type IncomingFakeRequest, type RecordedRequestBase } from '../fake-http-server';

export interface FakeTelegramBotApiOptions {
  /** `<bot id>:<secret>`: requests to any other /bot<token>/ path get Telegram's 401. */
  botToken: string;
  /** Clock for message dates (epoch ms). Default Date.now. */
  now?: () => number;
}

export interface RecordedTelegramRequest extends RecordedRequestBase {
  /** The Bot API method called (`sendMessage`), '' when the path is not /bot<token>/<method>. */
  apiMethod: string;
  /** The JSON parameters (Omni always sends JSON). */
  params: Record<string, unknown>;
  /** The token in the path was this fake's. */
  authorized: boolean;
}

/** A message the fake sent on the bot's behalf, as Telegram stores it. */
export interface FakeTelegramMessage {
  message_id: number;
  chat_id: string;
  text?: string;
  caption?: string;
  media?: { method: string; source: string };
  reply_markup?: unknown;
}

/** The webhook the bot is registered with (setWebhook), as getWebhookInfo would report it. */
export interface FakeWebhookInfo {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
}

/** Scripted failures in the Bot API's error shape `{ok: false, error_code, description, parameters?}`. */
export type TelegramFailure =
  | { kind: 'flood'; retryAfterSeconds: number } // 429 + parameters.retry_after
  | { kind: 'blocked' } // 403 bot was blocked by the user
  | { kind: 'server-error' } // 502 Bad Gateway
  | { kind: 'custom'; status: number; description: string };

const SEND_METHODS: Record<string, string | undefined> = { sendMessage: undefined, sendPhoto: 'photo', sendVideo: 'video', sendAudio: 'audio', sendDocument: 'document', sendAnimation: 'animation' };

function failure(status: number, description: string, parameters?: Record<string, unknown>): FakeReply {
  return { status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } };
}

/**
 * A fake Telegram Bot API over real HTTP on 127.0.0.1: `POST /bot<token>/<method>` with JSON
 * parameters, validated like Telegram (docs/channels/telegram.md): sendMessage (text 1–4096,
 * inline keyboards with 1–64-byte callback_data), send<Media>, sendChatAction, setWebhook
 * (HTTPS URL, secret_token charset), answerCallbackQuery; answers `{ok, result}` or
 * `{ok: false, error_code, description, parameters}`; scripted failures (flood control with
 * retry_after, blocked, 5xx); and updates towards a gateway with the secret header.
 */
export class FakeTelegramBotApi extends FakeHttpServer<TelegramFailure, RecordedTelegramRequest> {
  readonly messages: FakeTelegramMessage[] = [];
  webhook?: FakeWebhookInfo;
  private nextMessageId = 1000;
  private nextUpdateId = 500_000;
  private readonly now: () => number;

  constructor(private readonly options: FakeTelegramBotApiOptions) {
    super('FakeTelegramBotApi');
    this.now = options.now ?? Date.now;
  }

  get botId(): number {
    return Number(this.options.botToken.split(':')[0]);
  }

  override reset(): void {
    super.reset();
    this.messages.length = 0;
    this.webhook = undefined;
  }

  // ---- updates towards the gateway -----------------------------------------------------------

  /** POST one update as Telegram does: JSON, with the secret header when a secret is given. */
  async deliverUpdate(targetUrl: string, update: Record<string, unknown>, secretToken?: string): Promise<{ status: number; contentType: string; body: string }> {
    const body = JSON.stringify({ update_id: this.nextUpdateId++, ...update });
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secretToken !== undefined ? { 'x-telegram-bot-api-secret-token': secretToken } : {}) },
      body,
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  }

  /** A private-chat text message from a user. */
  textUpdate(user: { id: number; first_name: string; username?: string; language_code?: string }, text: string, messageId = this.nextMessageId++): Record<string, unknown> {
    return { message: { message_id: messageId, from: { ...user, is_bot: false }, chat: { id: user.id, first_name: user.first_name, type: 'private' }, date: Math.floor(this.now() / 1000), text } };
  }

  /** The user pressed `data` on the inline keyboard of a message the bot sent. */
  callbackUpdate(user: { id: number; first_name: string }, message: FakeTelegramMessage, data: string): Record<string, unknown> {
    return {
      callback_query: {
        id: `cb${this.nextUpdateId}`,
        from: { ...user, is_bot: false },
        message: { message_id: message.message_id, from: { id: this.botId, is_bot: true, first_name: 'Omni' }, chat: { id: Number(message.chat_id), type: 'private' }, date: Math.floor(this.now() / 1000), text: message.text, reply_markup: message.reply_markup },
        chat_instance: '-1',
        data,
      },
    };
  }

  // ---- the API -------------------------------------------------------------------------------

  protected record(request: IncomingFakeRequest): RecordedTelegramRequest {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.url.pathname);
    const params = request.json && typeof request.json === 'object' && !Array.isArray(request.json) ? (request.json as Record<string, unknown>) : {};
    return { ...baseRecord(request), apiMethod: match?.[2] ?? '', params, authorized: match?.[1] === this.options.botToken };
  }

  protected respond(request: IncomingFakeRequest, recorded: RecordedTelegramRequest): FakeReply {
    if (!recorded.authorized) return /^\/bot[^/]+\//.test(request.url.pathname) ? failure(401, 'Unauthorized') : failure(404, 'Not Found');
    if (request.method !== 'POST' || !request.contentType.startsWith('application/json') || request.json === undefined) return failure(400, 'Bad Request: Omni always POSTs JSON');
    const scripted = this.nextFailure();
    if (scripted) return this.failureReply(scripted);
    const p = recorded.params;
    switch (recorded.apiMethod) {
      case 'setWebhook':
        return this.setWebhook(p);
      case 'answerCallbackQuery':
        return typeof p.callback_query_id === 'string' && p.callback_query_id ? { status: 200, body: { ok: true, result: true } } : failure(400, 'Bad Request: query is too old or query ID is invalid');
      case 'sendChatAction':
        return this.chatOk(p) ?? (p.action === 'typing' ? { status: 200, body: { ok: true, result: true } } : failure(400, 'Bad Request: wrong parameter action in request'));
      default:
        if (recorded.apiMethod in SEND_METHODS) return this.send(recorded.apiMethod, p);
        return failure(404, 'Not Found');
    }
  }

  private failureReply(scripted: TelegramFailure): FakeReply {
    switch (scripted.kind) {
      case 'flood':
        return failure(429, `Too Many Requests: retry after ${scripted.retryAfterSeconds}`, { retry_after: scripted.retryAfterSeconds });
      case 'blocked':
        return failure(403, 'Forbidden: bot was blocked by the user');
      case 'server-error':
        return failure(502, 'Bad Gateway');
      case 'custom':
        return failure(scripted.status, scripted.description);
    }
  }

  /** undefined when chat_id is usable, else Telegram's error. */
  private chatOk(p: Record<string, unknown>): FakeReply | undefined {
    return (typeof p.chat_id === 'string' && /^-?\d+$/.test(p.chat_id)) || Number.isInteger(p.chat_id) ? undefined : failure(400, 'Bad Request: chat not found');
  }

  private setWebhook(p: Record<string, unknown>): FakeReply {
    if (typeof p.url !== 'string' || !/^https:\/\//.test(p.url)) return failure(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    if (p.secret_token !== undefined && (typeof p.secret_token !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(p.secret_token))) {
      return failure(400, 'Bad Request: secret token contains unallowed characters');
    }
    this.webhook = { url: p.url, secret_token: p.secret_token as string | undefined, allowed_updates: p.allowed_updates as string[] | undefined };
    return { status: 200, body: { ok: true, result: true, description: 'Webhook was set' } };
  }

  private send(method: string, p: Record<string, unknown>): FakeReply {
    const chatError = this.chatOk(p);
    if (chatError) return chatError;
    const field = SEND_METHODS[method];
    if (field === undefined) {
      if (typeof p.text !== 'string' || p.text.trim() === '') return failure(400, 'Bad Request: message text is empty');
      if (Array.from(p.text).length > 4096) return failure(400, 'Bad Request: message is too long');
    } else {
      if (typeof p[field] !== 'string' || p[field] === '') return failure(400, `Bad Request: there is no ${field} in the request`);
      if (typeof p.caption === 'string' && Array.from(p.caption).length > 1024) return failure(400, 'Bad Request: message caption is too long');
    }
    const keyboard = (p.reply_markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
    if (p.reply_markup !== undefined) {
      if (!Array.isArray(keyboard) || !keyboard.every((row) => Array.isArray(row) && row.length > 0)) return failure(400, "Bad Request: can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays");
      for (const button of keyboard.flat() as Array<{ text?: unknown; callback_data?: unknown; url?: unknown }>) {
        if (typeof button.text !== 'string' || button.text === '') return failure(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
        const kinds = [button.callback_data, button.url].filter((v) => v !== undefined).length;
        if (kinds !== 1) return failure(400, "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used");
        if (typeof button.callback_data === 'string' && (Buffer.byteLength(button.callback_data) < 1 || Buffer.byteLength(button.callback_data) > 64)) return failure(400, 'Bad Request: BUTTON_DATA_INVALID');
      }
    }
    const message: FakeTelegramMessage = {
      message_id: this.nextMessageId++,
      chat_id: String(p.chat_id),
      ...(typeof p.text === 'string' ? { text: p.text } : {}),
      ...(typeof p.caption === 'string' ? { caption: p.caption } : {}),
      ...(field ? { media: { method, source: p[field] as string } } : {}),
      ...(p.reply_markup !== undefined ? { reply_markup: p.reply_markup } : {}),
    };
    this.messages.push(message);
    return {
      status: 200,
      body: { ok: true, result: { message_id: message.message_id, from: { id: this.botId, is_bot: true, first_name: 'Omni' }, chat: { id: Number(message.chat_id), type: 'private' }, date: Math.floor(this.now() / 1000), ...(message.text ? { text: message.text } : {}) } },
    };
  }
}

/** Resolves once the fake has received `count` requests (any method). */
export async function waitForRequests(fake: FakeTelegramBotApi, count: number): Promise<void> {
  await waitFor(() => fake.requests.length >= count, { description: `${count} request(s) at the fake Bot API` });
}
