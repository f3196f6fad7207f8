import fc from 'fast-check';
import { matchNumberedAnswer, numberedList, splitText, truncate } from './text';
import { safeEqual } from './crypto';

describe('splitText', () => {
  it.each([
    ['short text stays whole', 'hello', 10, ['hello']],
    ['empty text gives no parts', '', 10, []],
    ['cuts at the last space', 'aaaa bbbb cccc', 10, ['aaaa bbbb', 'cccc']],
    ['prefers a sentence end', 'One two. Three four five', 15, ['One two.', 'Three four five']],
    ['cuts a long word hard', 'abcdefghij', 4, ['abcd', 'efgh', 'ij']],
    ['counts code points, not UTF-16 units', '😀😀😀😀', 2, ['😀😀', '😀😀']],
  ])('%s', (_name, text, limit, expected) => {
    expect(splitText(text, limit)).toEqual(expected);
  });

  it('loses no words and respects the limit on long text', () => {
    const text = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    const parts = splitText(text, 100);
    for (const p of parts) expect(Array.from(p).length).toBeLessThanOrEqual(100);
    expect(parts.join(' ')).toBe(text);
  });
});

describe('numbered options', () => {
  const options = [{ title: 'Reserve it' }, { title: 'Other size' }];
  it('renders a numbered list after the text', () => {
    expect(numberedList('Size M is available.', options)).toBe('Size M is available.\n1. Reserve it\n2. Other size');
  });
  it.each([
    ['2', 'Other size'], [' 1. ', 'Reserve it'], ['#2', 'Other size'], ['reserve IT', 'Reserve it'], ['3', undefined], ['maybe', undefined],
  ])('maps answer %p', (answer, title) => {
    expect(matchNumberedAnswer(answer, options)?.title).toBe(title);
  });
});

describe('truncate and safeEqual', () => {
  it('truncates with an ellipsis', () => expect(truncate('abcdef', 4)).toBe('abc…'));
  it('compares in constant time and rejects different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('splitText stays linear on agents\' text (bounded work for input-driven loops)', () => {
  // The previous implementation (regex searches with look-aheads, re-sliced rest): same output, quadratic time.
  function reference(text: string, limit: number): string[] {
    const chars = Array.from(text);
    if (chars.length <= limit) return text.length ? [text] : [];
    const parts: string[] = [];
    let rest = chars;
    const cutOf = (window: string) => {
      const minimum = Math.floor(window.length / 2);
      for (const pattern of [/\n\n(?![\s\S]*\n\n)/, /\n(?![\s\S]*\n)/, /[.!?。！？](?=\s)(?![\s\S]*[.!?。！？]\s)/, /\s(?![\s\S]*\s)/]) {
        const match = pattern.exec(window);
        if (match && match.index + match[0].length > minimum) return match.index + match[0].length;
      }
      return window.length;
    };
    while (rest.length > limit) {
      const window = rest.slice(0, limit).join('');
      const head = Array.from(window.slice(0, cutOf(window)));
      parts.push(head.join('').trimEnd());
      rest = rest.slice(head.length);
      while (rest.length && /\s/.test(rest[0]!)) rest = rest.slice(1);
    }
    if (rest.length) parts.push(rest.join(''));
    return parts.filter((p) => p.length > 0);
  }

  it('gives the same parts as before on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '.', '!', '。', '😀', '\t'), maxLength: 400 }), fc.integer({ min: 1, max: 60 }), (text, limit) => {
        expect(splitText(text, limit)).toEqual(reference(text, limit));
      }),
      { numRuns: 500 },
    );
  });

  it('splits 1,000,000 characters of white space or of one word in well under a second', () => {
    for (const text of [' '.repeat(1_000_000), 'x'.repeat(1_000_000), `${'a '.repeat(250_000)}`]) {
      const started = Date.now();
      splitText(text, 160);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });
});
