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
  // Linear in the text: an index walks it (no re-slicing of the rest), and each window is searched
  // backwards once. Agents' texts reach here from the API, so nothing may be quadratic in them.
  let start = 0;
  while (chars.length - start > limit) {
    const window = chars.slice(start, start + limit).join('');
    const cut = bestCut(window);
    const head = Array.from(window.slice(0, cut));
    parts.push(head.join('').trimEnd());
    start += head.length;
    while (start < chars.length && /\s/.test(chars[start]!)) start++;
  }
  if (start < chars.length) parts.push(chars.slice(start).join(''));
  return parts.filter((p) => p.length > 0);
}

const SENTENCE_ENDS = new Set(['.', '!', '?', '。', '！', '？']);

/**
 * Where to cut a window: after its last paragraph break, else its last line break, else its last
 * sentence end followed by white space, else its last white space, as long as that keeps more
 * than half the window; otherwise the whole window (a hard cut). Each search is one backward scan.
 */
function bestCut(window: string): number {
  const minimum = Math.floor(window.length / 2);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph >= 0 && paragraph + 2 > minimum) return paragraph + 2;
  const line = window.lastIndexOf('\n');
  if (line >= 0 && line + 1 > minimum) return line + 1;
  for (let i = window.length - 2; i >= 0; i--) {
    if (SENTENCE_ENDS.has(window[i]!) && /\s/.test(window[i + 1]!)) {
      if (i + 1 > minimum) return i + 1;
      break;
    }
  }
  for (let i = window.length - 1; i >= 0; i--) {
    if (/\s/.test(window[i]!)) {
      if (i + 1 > minimum) return i + 1;
      break;
    }
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
