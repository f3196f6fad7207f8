/**
 * Split text into parts of at most `limit` characters (Unicode code points), preferring to cut at
 * a paragraph break, then a line break, then a sentence end, then a space; a single word longer
 * than the limit is cut hard. Parts keep their order; no text is lost.
 */
export function splitText(text: string, limit: number): string[] {
  if (limit <= 0) throw new Error('limit must be positive');
  const chars = Array.from(text);
  if (chars.length <= limit) return text.length ? [text] : [];
  const parts: string[] = [];
  let rest = chars;
  while (rest.length > limit) {
    const window = rest.slice(0, limit).join('');
    const cut = bestCut(window);
    const head = Array.from(window.slice(0, cut));
    parts.push(head.join('').trimEnd());
    rest = rest.slice(head.length);
    while (rest.length && /\s/.test(rest[0]!)) rest = rest.slice(1);
  }
  if (rest.length) parts.push(rest.join(''));
  return parts.filter((p) => p.length > 0);
}

function bestCut(window: string): number {
  const minimum = Math.floor(window.length / 2);
  for (const pattern of [/\n\n(?![\s\S]*\n\n)/, /\n(?![\s\S]*\n)/, /[.!?。！？](?=\s)(?![\s\S]*[.!?。！？]\s)/, /\s(?![\s\S]*\s)/]) {
    const match = pattern.exec(window);
    if (match && match.index + match[0].length > minimum) return match.index + match[0].length;
  }
  return window.length;
}

/** Truncate to `limit` code points, ending with an ellipsis when something was cut. */
export function truncate(text: string, limit: number): string {
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  return `${chars.slice(0, Math.max(0, limit - 1)).join('')}…`;
}

/**
 * Degrade options a channel cannot show natively into a numbered list appended to the text
 * ("1. Reserve it"). The customer answers with the number or the title; see `matchNumberedAnswer`.
 */
export function numberedList(text: string, options: ReadonlyArray<{ title: string }>): string {
  if (!options.length) return text;
  const lines = options.map((o, i) => `${i + 1}. ${o.title}`);
  return [text, ...lines].filter((l) => l.length > 0).join('\n');
}

/**
 * Map a free-text answer back to one of the offered options: "2", "2.", " #2 ", or the option's
 * title (case-insensitive). Returns the option or undefined.
 */
export function matchNumberedAnswer<T extends { title: string }>(answer: string, options: readonly T[]): T | undefined {
  const trimmed = answer.trim();
  const numeric = /^#?\s*(\d{1,2})\s*[.)]?$/.exec(trimmed);
  if (numeric) return options[Number(numeric[1]) - 1];
  const lowered = trimmed.toLowerCase();
  return options.find((o) => o.title.trim().toLowerCase() === lowered);
}
