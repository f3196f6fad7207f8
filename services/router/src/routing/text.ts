/** Text matching shared by rules, the lexicon and bots: case- and accent-insensitive, on whole words. */

/** Longest text looked at: matching cost stays bounded whatever a customer sends. */
export const MAX_TEXT_CHARS = 2000;

export function normalize(text: string): string {
  return text.slice(0, MAX_TEXT_CHARS).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function tokens(text: string): string[] {
  return normalize(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Whether `phrase` (one or more words) appears, word for word, in the tokens. */
export function containsPhrase(haystack: readonly string[], phrase: string): boolean {
  const needle = tokens(phrase);
  if (!needle.length || needle.length > haystack.length) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The primary language subtag: "fr-CA" → "fr". */
export function primaryLanguage(tag: string | undefined): string {
  return (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
}
