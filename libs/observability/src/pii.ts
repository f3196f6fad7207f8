/**
 * Masking for personal data that may reach a log line. Logs carry ids and outcomes, never message
 * text, phone numbers or tokens; these helpers are for the rare identifier a log must mention.
 */
export function maskIdentifier(value: string | undefined | null): string {
  if (!value) return '';
  if (value.length <= 4) return '****';
  return `${'*'.repeat(Math.min(value.length - 4, 8))}${value.slice(-4)}`;
}

/** Replace phone numbers and e-mail addresses inside free text (e.g. an error message). */
export function maskFreeText(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, '[email]')
    .replace(/\+?\d[\d\s().-]{6,}\d/g, '[phone]');
}

/**
 * Log keys whose values are always removed, at any depth and in any letter case: message content,
 * contact identifiers and names, provider payloads, credentials and signature headers. Matching is
 * by key, so `message.content.text`, `sender.channelUserId` or `headers["x-twilio-signature"]` are
 * caught wherever a log line nests them.
 */
export const REDACTED_LOG_KEYS: ReadonlySet<string> = new Set(
  [
    // content
    'text', 'body', 'rawBody', 'caption', 'content', 'providerJson', 'payload', 'quickReplies',
    // people
    'phone', 'phoneNumber', 'email', 'from', 'to', 'channelUserId', 'displayName', 'username', 'profile', 'firstName', 'lastName', 'wa_id',
    // credentials
    'token', 'accessToken', 'access_token', 'authorization', 'cookie', 'set-cookie', 'password', 'secret', 'apiKey', 'api_key', 'authToken', 'botToken',
    // signature headers
    'x-hub-signature-256', 'x-hub-signature', 'x-twilio-signature', 'x-twilio-webhooks-signature-settings', 'x-twitter-webhooks-signature', 'x-telegram-bot-api-secret-token',
  ].map((key) => key.toLowerCase()),
);

/** Keys holding error text: kept, but scrubbed and truncated (they can quote the input). */
const ERROR_TEXT_KEYS: ReadonlySet<string> = new Set(['error', 'err', 'reason', 'detail', 'message', 'errormessage', 'stack', 'cause']);

/** Longest error text that leaves the process (logs, DLQ headers). */
export const MAX_ERROR_TEXT_CHARS = 500;

const MAX_DEPTH = 8;
const MAX_ITEMS = 50;

/**
 * Error text made safe to log or copy into a header: e-mails and phone numbers masked, quoted
 * spans longer than 24 characters (JSON.parse and validators quote the input) elided, from the
 * first to the last quote of a kind on a line (nested quotes included),
 * control characters removed, at most `max` characters.
 */
export function scrubErrorText(text: string, max = MAX_ERROR_TEXT_CHARS): string {
  const scrubbed = maskFreeText(
    text
      .slice(0, max * 4)
      // Greedy per quote kind: quoted input (JSON.parse quotes the body, inner quotes and all) goes as one.
      .replace(/"([^\n]{25,})"/g, (_m, inner: string) => `"[…${inner.length} chars]"`)
      .replace(/'([^\n]{25,})'/g, (_m, inner: string) => `'[…${inner.length} chars]'`)
      .replace(/`([^\n]{25,})`/g, (_m, inner: string) => `\`[…${inner.length} chars]\``)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' '),
  );
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}…` : scrubbed;
}

/**
 * A copy of a log object with every sensitive key's value replaced by "[redacted]" at any depth,
 * error text scrubbed (Error objects become {type, message, stack} scrubbed), buffers reduced to
 * their size, and depth and array length bounded so a log call can never walk a huge input.
 */
export function redactLogValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth]';
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubErrorText(value.message),
      ...(value.stack ? { stack: scrubErrorText(value.stack, 2_000) } : {}),
      ...('code' in value && value.code !== undefined ? { code: String(value.code) } : {}),
    };
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => redactLogValue(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const lower = key.toLowerCase();
    if (REDACTED_LOG_KEYS.has(lower)) out[key] = '[redacted]';
    else if (ERROR_TEXT_KEYS.has(lower) && typeof item === 'string') out[key] = scrubErrorText(item, lower === 'stack' ? 2_000 : MAX_ERROR_TEXT_CHARS);
    else out[key] = redactLogValue(item, depth + 1);
  }
  return out;
}
