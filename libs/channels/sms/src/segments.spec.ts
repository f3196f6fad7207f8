import { countSegments, smsEncoding } from './segments';

describe('SMS segments', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['Hello', 'GSM-7', 1, 5],
    ['a'.repeat(160), 'GSM-7', 1, 160],
    ['a'.repeat(161), 'GSM-7', 2, 161],
    ['a'.repeat(306), 'GSM-7', 2, 306],
    ['a'.repeat(307), 'GSM-7', 3, 307],
    ['€'.repeat(80), 'GSM-7', 1, 160], // extension chars count 2
    ['€'.repeat(81), 'GSM-7', 2, 162],
    ['Café à 5€ {ok}', 'GSM-7', 1, 17],
    ['Ça coûte 5 €', 'UCS-2', 1, 12], // û is not GSM-7
    ['x'.repeat(70) + '', 'GSM-7', 1, 70],
    ['ü'.repeat(70), 'GSM-7', 1, 70],
    ['ł'.repeat(70), 'UCS-2', 1, 70],
    ['ł'.repeat(71), 'UCS-2', 2, 71],
    ['ł'.repeat(134), 'UCS-2', 2, 134],
    ['ł'.repeat(135), 'UCS-2', 3, 135],
    ['🙏', 'UCS-2', 1, 2], // astral characters are two UTF-16 units
  ])('%j → %s, %i segment(s), %i units', (text, encoding, segments, units) => {
    expect(countSegments(text)).toEqual({ encoding, segments, units });
  });

  it('never splits a two-septet extension character across parts', () => {
    // Multipart: 152 plain + € (2) would be 154 > 153, so the € starts part 2; a naive
    // ceil(units / 153) would say 2 for the last case, greedy packing correctly says 3.
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(10)).segments).toBe(2);
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(151)).segments).toBe(2);
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(152)).segments).toBe(3);
  });

  it('never splits a surrogate pair across parts', () => {
    expect(countSegments('ł'.repeat(66) + '🙏' + 'ł'.repeat(5)).segments).toBe(2);
    expect(countSegments('ł'.repeat(66) + '🙏' + 'ł'.repeat(66)).segments).toBe(3);
  });

  it('detects the encoding', () => {
    expect(smsEncoding('Is my appointment still on?')).toBe('GSM-7');
    expect(smsEncoding('Merci 🙏')).toBe('UCS-2');
    expect(smsEncoding('line\nbreak [x] ~ | ^ \\')).toBe('GSM-7');
  });
});
