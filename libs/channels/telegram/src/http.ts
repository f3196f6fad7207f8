import type { CanonicalErrorInit, HttpRequestSpec, ProviderRequest, ProviderResponse, SendOutcome } from '@omni/channel-sdk';
import { ErrorCode } from '@omni/contracts';
import { telegramMessageId } from './ids';
import type { TgMessage, TgResponse } from './wire';

/**
 * The exact HTTP call: JSON POST to `/bot<token>/<method>`. The token is in the path (the Bot
 * API's only way to authenticate), so this URL must never be logged.
 */
export function telegramHttpRequest(request: ProviderRequest, botToken: string): HttpRequestSpec {
  return {
    method: request.method,
    pathAndQuery: `/bot${botToken}${request.path}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.json ?? {}),
  };
}

function asResponse(body: unknown): TgResponse | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as TgResponse) : undefined;
}

function error(code: ErrorCode, retryable: boolean, providerCode: string, message: string, retryAfterMs?: number): SendOutcome {
  const err: CanonicalErrorInit = { code, retryable, providerCode, message };
  if (retryAfterMs !== undefined && retryAfterMs > 0) err.retryAfterMs = BigInt(retryAfterMs);
  return { ok: false, error: err };
}

/**
 * A Bot API answer → the provider message id, or a canonical error (docs/channels/telegram.md):
 * - `ok: true` with a Message → `<bot>:<chat>:<message id>`; with `true` (sendChatAction) → no id;
 * - 429 → RATE_LIMITED, retryable after `parameters.retry_after` seconds (flood control);
 * - 5xx or a non-JSON page → PROVIDER_DOWN, retryable;
 * - 401 / 404 (bad token) → AUTH; 403 (bot blocked, or removed from the chat) →
 *   RECIPIENT_UNAVAILABLE; 400 "chat not found" / "user not found" → INVALID_RECIPIENT;
 *   400 "too long" / "too big" → PAYLOAD_TOO_LARGE; other 400s → UNKNOWN, final.
 * `description` is Telegram's English wording; only its fixed phrases are matched, never logged
 * with message content.
 */
export function interpretTelegramResponse(botId: string, response: ProviderResponse): SendOutcome {
  const body = asResponse(response.body);
  if (response.status < 300 && body?.ok === true) {
    const message = asResponse(body.result) as TgMessage | undefined;
    if (message && typeof message.message_id === 'number' && typeof message.chat?.id === 'number') {
      return { ok: true, providerMessageId: telegramMessageId(botId, message.chat.id, message.message_id) };
    }
    return { ok: true };
  }
  const code = typeof body?.error_code === 'number' ? body.error_code : response.status;
  const providerCode = String(code);
  const description = (typeof body?.description === 'string' ? body.description : '').toLowerCase();
  if (code === 429) {
    const seconds = Number(body?.parameters?.retry_after ?? response.headers['retry-after'] ?? 0);
    return error(ErrorCode.RATE_LIMITED, true, providerCode, 'Telegram flood control: retry later', Number.isFinite(seconds) ? seconds * 1000 : undefined);
  }
  if (code >= 500 || !body) return error(ErrorCode.PROVIDER_DOWN, true, providerCode, 'Telegram Bot API unavailable');
  if (code === 401 || code === 404) return error(ErrorCode.AUTH, false, providerCode, 'bot token refused');
  if (code === 403) return error(ErrorCode.RECIPIENT_UNAVAILABLE, false, providerCode, 'the bot cannot write to this chat (blocked or removed)');
  if (/chat not found|user not found|peer_id_invalid/.test(description)) return error(ErrorCode.INVALID_RECIPIENT, false, providerCode, 'unknown chat');
  if (/too long|too big|too large/.test(description)) return error(ErrorCode.PAYLOAD_TOO_LARGE, false, providerCode, 'message or file too large');
  return error(ErrorCode.UNKNOWN, false, providerCode, 'request refused by Telegram');
}
