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
 * The language of a text, detected locally (tinyld: n-gram model shipped with the package, no
 * network). Undefined when the text is too short or has no letters. Confidence is the top
 * candidate's share of all candidates' scores, so "one clear winner" is near 1 and a close call
 * between, say, Spanish and Portuguese is near 0.5.
 */
export function detectLanguage(text: string): DetectedLanguage | undefined {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return undefined;
  const candidates = detectAll(text).filter((c) => c.accuracy > 0);
  if (!candidates.length) return undefined;
  const total = candidates.reduce((sum, c) => sum + c.accuracy, 0);
  const best = candidates[0]!;
  return { language: best.lang, confidence: Math.round((best.accuracy / total) * 1000) / 1000 };
}
