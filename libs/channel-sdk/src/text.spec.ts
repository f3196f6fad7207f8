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
