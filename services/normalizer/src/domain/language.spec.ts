import { DETECTED_PREFIX_CHARS, detectLanguage } from './language';

describe('detectLanguage (tinyld, local)', () => {
  it.each([
    ['Bonjour, je voudrais savoir où est ma commande', 'fr'],
    ['Is the blue jacket in stock?', 'en'],
    ['Hola, ¿tienen la chaqueta azul en talla M?', 'es'],
    ['Hallo, wo ist meine Bestellung?', 'de'],
    ['Olá, gostaria de saber onde está o meu pedido', 'pt'],
    ["Ciao, dov'è il mio ordine?", 'it'],
    ['我的订单在哪里', 'zh'],
  ])('detects %j as %s with a confidence in 0..1', (text, language) => {
    const detected = detectLanguage(text);
    expect(detected?.language).toBe(language);
    expect(detected!.confidence).toBeGreaterThan(0);
    expect(detected!.confidence).toBeLessThanOrEqual(1);
  });

  it('is confident on a clear sentence', () => {
    expect(detectLanguage('Bonjour, je voudrais savoir où est ma commande')!.confidence).toBeGreaterThan(0.8);
  });

  it('reads only the start of a long text, and still names its language', () => {
    const sentence = 'Bonjour, je voudrais savoir où est ma commande. ';
    const long = sentence.repeat(20_000); // about 1 MB
    expect(detectLanguage(long)).toEqual(detectLanguage(long.slice(0, DETECTED_PREFIX_CHARS)));
    expect(detectLanguage(long)!.language).toBe('fr');
  });

  it('counts letters, not characters, before it guesses', () => {
    expect(detectLanguage('o k')).toBeUndefined();
    expect(detectLanguage('1 2 3 4 5 6 7 8 9 a b')).toBeUndefined();
  });

  it.each([['ok'], ['👍'], ['12 34'], ['']])('does not guess on %j', (text) => {
    expect(detectLanguage(text)).toBeUndefined();
  });
});
