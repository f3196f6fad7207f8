import { splitTextWithTail } from './split-tail';

describe('splitTextWithTail', () => {
  it('keeps short text whole as the tail', () => {
    expect(splitTextWithTail('Pick one', 100, 20)).toEqual({ head: [], tail: 'Pick one' });
  });

  it('sends only what does not fit the tail ahead, in as few parts as the main limit allows', () => {
    const text = Array.from({ length: 60 }, (_, i) => `w${String(i).padStart(2, '0')}`).join(' '); // 239 chars
    const { head, tail } = splitTextWithTail(text, 200, 50);
    expect(Array.from(tail).length).toBeLessThanOrEqual(50);
    expect(head).toHaveLength(1);
    expect([...head, tail].join(' ')).toBe(text);
  });

  it('handles text longer than several main parts', () => {
    const text = Array.from({ length: 100 }, (_, i) => `w${String(i).padStart(2, '0')}`).join(' ');
    const { head, tail } = splitTextWithTail(text, 120, 30);
    for (const part of head) expect(part.length).toBeLessThanOrEqual(120);
    expect(tail.length).toBeLessThanOrEqual(30);
    expect([...head, tail].join(' ')).toBe(text);
  });

  it('gives an empty tail for empty text', () => {
    expect(splitTextWithTail('', 10, 5)).toEqual({ head: [], tail: '' });
  });
});
