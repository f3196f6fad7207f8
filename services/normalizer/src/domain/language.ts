import { detectAll } from 'tinyld';

export interface DetectedLanguage {
  /** ISO 639-1 code (BCP 47 primary subtag), e.g. "fr". */
  language: string;
  /** 0..1: the best candidate's share of the detector's scores. */
  confidence: number;
}

/** Fewer letters than this and a guess is noise ("ok", "hi", "👍"). */
const MIN_LETTERS = 3;

/**
 * Only the start of a text is read: the detector's work grows with the length, and its guess has
 * long settled by then. Bounds what one message (an SMS concatenation, a pasted e-mail) can cost.
 */
export const DETECTED_PREFIX_CHARS = 500;

/** MIN_LETTERS letters, anything between them: tested, not counted, so no array of every letter is made. */
const ENOUGH_LETTERS = new RegExp(Array.from({ length: MIN_LETTERS }, () => '\\p{L}').join('[^\\p{L}]*'), 'u');

/**
 * The language of a text, detected locally (tinyld: n-gram model shipped with the package, no
 * network). Undefined when the text is too short or has no letters. Confidence is the top
 * candidate's share of all candidates' scores, so "one clear winner" is near 1 and a close call
 * between, say, Spanish and Portuguese is near 0.5.
 */
export function detectLanguage(text: string): DetectedLanguage | undefined {
  const sample = text.length > DETECTED_PREFIX_CHARS ? text.slice(0, DETECTED_PREFIX_CHARS) : text;
  if (!ENOUGH_LETTERS.test(sample)) return undefined;
  const candidates = detectAll(sample).filter((c) => c.accuracy > 0);
  if (!candidates.length) return undefined;
  const total = candidates.reduce((sum, c) => sum + c.accuracy, 0);
  const best = candidates[0]!;
  return { language: best.lang, confidence: Math.round((best.accuracy / total) * 1000) / 1000 };
}
