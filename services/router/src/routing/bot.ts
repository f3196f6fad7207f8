import type { BotQuestion } from './document';
import { containsPhrase, MAX_TEXT_CHARS, tokens } from './text';

/** Built-in words that ask for a person (EN/FR), used when a document names none. */
export const DEFAULT_HUMAN_KEYWORDS = ['agent', 'human', 'humain', 'person', 'personne', 'operator', 'operateur', 'conseiller', 'conseillere', 'representative', 'real person', 'vraie personne'];

/** What the customer sent, as a bot reads it. */
export interface BotInput {
  text: string;
  /** Quick-reply or postback payload, when they tapped an option. */
  payload: string;
}

export type BotAnswer = { kind: 'human' } | { kind: 'answer'; value: string } | { kind: 'no-match' };

/** Whether the customer asks for a person, at any point ("agent", "human please", "un humain"…). */
export function asksForHuman(input: BotInput, keywords: readonly string[] = DEFAULT_HUMAN_KEYWORDS): boolean {
  const words = tokens(input.text);
  return keywords.some((k) => containsPhrase(words, k));
}

/**
 * The answer to a question: a tapped option's payload; else typed text matching an option's
 * payload, title or a synonym (first option in order wins); else, for a question with a pattern,
 * the text matching it (its first group when it has one); else, for an open question, the text.
 */
export function answerQuestion(question: BotQuestion, input: BotInput, humanKeywords?: readonly string[]): BotAnswer {
  if (asksForHuman(input, humanKeywords)) return { kind: 'human' };
  const options = question.options ?? [];
  if (input.payload) {
    const tapped = options.find((o) => o.payload === input.payload);
    if (tapped) return { kind: 'answer', value: tapped.payload };
  }
  const text = (input.text || input.payload).trim().slice(0, MAX_TEXT_CHARS);
  if (!text) return { kind: 'no-match' };
  const words = tokens(text);
  for (const option of options) {
    if ([option.payload, option.title, ...(option.synonyms ?? [])].some((k) => containsPhrase(words, k))) return { kind: 'answer', value: option.payload };
  }
  if (question.pattern !== undefined) {
    const match = new RegExp(question.pattern, 'iu').exec(text.slice(0, 500));
    return match ? { kind: 'answer', value: (match[1] ?? match[0]).trim() } : { kind: 'no-match' };
  }
  return options.length ? { kind: 'no-match' } : { kind: 'answer', value: text.slice(0, 500) };
}
