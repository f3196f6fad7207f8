import { createHash } from 'node:crypto';
import { registerWelcomeMessages, type WelcomeMessageConfig } from '@omni/channel-twitter';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A configuration key: it names the entry point, is sent as the welcome message `name` (≤ 100). */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TEXT_LIMIT = 10_000;

/**
 * Read `TWITTER_WELCOME_MESSAGES`: a JSON array of
 * `{"key": "summer-sale", "text": "…", "quickReplies": [{"title": "…", "payload": "…", "description"?: "…"}]}`.
 * Throws an Error naming the first problem (bad JSON, a missing or duplicate key, empty text,
 * quick replies X cannot show). An empty or absent value means no welcome messages.
 */
export function parseWelcomeMessages(value: string | undefined): WelcomeMessageConfig[] {
  if (value === undefined || value.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new Error(`is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error('must be a JSON array of {key, text, quickReplies?}');
  const seen = new Set<string>();
  return parsed.map((item, i) => {
    const at = `[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error(`${at} must be an object {key, text, quickReplies?}`);
    const { key, text, quickReplies, ...rest } = item as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`${at} has unknown fields: ${unknown.join(', ')}`);
    if (typeof key !== 'string' || !KEY.test(key)) throw new Error(`${at}.key must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    if (seen.has(key)) throw new Error(`${at}.key "${key}" is used twice`);
    seen.add(key);
    if (typeof text !== 'string' || text.trim() === '') throw new Error(`${at}.text must be a non-empty string`);
    if (Array.from(text).length > TEXT_LIMIT) throw new Error(`${at}.text must be at most ${TEXT_LIMIT} characters`);
    const config: WelcomeMessageConfig = { key, text };
    if (quickReplies !== undefined) {
      if (!Array.isArray(quickReplies)) throw new Error(`${at}.quickReplies must be an array`);
      config.quickReplies = quickReplies.map((q: unknown, j) => {
        const where = `${at}.quickReplies[${j}]`;
        const option = (q ?? {}) as Record<string, unknown>;
        if (typeof option['title'] !== 'string' || !option['title'].trim()) throw new Error(`${where}.title must be a non-empty string`);
        if (typeof option['payload'] !== 'string') throw new Error(`${where}.payload must be a string`);
        if (option['description'] !== undefined && typeof option['description'] !== 'string') throw new Error(`${where}.description must be a string`);
        return {
          title: option['title'],
          payload: option['payload'],
          ...(typeof option['description'] === 'string' ? { description: option['description'] } : {}),
        };
      });
    }
    try {
      registerWelcomeMessages([config]); // X's quick reply limits (≤ 20 options, payload ≤ 1,000)
    } catch (err) {
      throw new Error(`${at}: ${(err as Error).message}`);
    }
    return config;
  });
}

/** class-validator decorator: the variable must parse with `parseWelcomeMessages`. */
export function IsWelcomeMessages(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isWelcomeMessages',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => {
          if (value !== undefined && typeof value !== 'string') return false;
          try {
            parseWelcomeMessages(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => {
          try {
            parseWelcomeMessages(args?.value as string | undefined);
            return `${args?.property} must be a JSON array of welcome messages`;
          } catch (err) {
            return `${args?.property} ${(err as Error).message}`;
          }
        },
      },
    });
}

/**
 * Fingerprint of what X would show for a configuration entry (the exact welcome_messages/new
 * body, name included): a changed text or quick reply changes it, re-ordering JSON keys in the
 * environment variable does not.
 */
export function welcomeContentHash(config: WelcomeMessageConfig): string {
  const [request] = registerWelcomeMessages([config]);
  return createHash('sha256').update(JSON.stringify(request!.json)).digest('hex');
}
