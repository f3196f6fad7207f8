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

/** Log keys whose values are always removed, wherever they appear. */
export const REDACTED_LOG_PATHS = [
  'text',
  'body',
  'rawBody',
  'phone',
  'phoneNumber',
  'email',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'password',
  'secret',
  '*.text',
  '*.body',
  '*.phone',
  '*.email',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.secret',
  'headers.authorization',
  'headers["x-hub-signature-256"]',
  'headers["x-twilio-signature"]',
];
