import { containsPhrase, primaryLanguage, tokens } from './text';

export type Sentiment = 'negative' | 'neutral' | 'positive';

export interface TextAnalysis {
  /** The best intent, or '' when no intent keyword appears. */
  intent: string;
  sentiment: Sentiment;
  /** Negative minus positive evidence, after negations and emphasis (0 = neutral). */
  sentimentScore: number;
}

/**
 * Intent and sentiment of a customer's text. The router only sees this interface: the lexicon
 * below runs locally; a model service can replace it (same inputs, same outputs).
 */
export interface TextAnalyzer {
  analyze(text: string, language: string): TextAnalysis;
}

type Lexicon = Record<string, string[]>;

/** Built-in intents (EN/FR); a routing document's `intents` adds keywords to these or new intents. */
export const BUILT_IN_INTENTS: Record<string, Lexicon> = {
  billing: {
    en: ['invoice', 'bill', 'billing', 'charged', 'charge', 'payment', 'refund', 'receipt', 'overcharged'],
    fr: ['facture', 'facturation', 'paiement', 'prelevement', 'preleve', 'rembourser', 'remboursement', 'debite'],
  },
  order_status: {
    en: ['where is my order', 'tracking', 'delivery', 'shipped', 'shipping', 'parcel', 'package', 'not arrived'],
    fr: ['ou est ma commande', 'suivi', 'livraison', 'colis', 'expedie', 'pas recu', 'pas arrive'],
  },
  cancellation: {
    en: ['cancel', 'cancellation', 'unsubscribe', 'terminate'],
    fr: ['annuler', 'annulation', 'resilier', 'resiliation', 'desabonner'],
  },
  technical: {
    en: ['bug', 'error', 'crash', 'not working', 'broken', 'login', 'password'],
    fr: ['bug', 'erreur', 'plante', 'ne marche pas', 'ne fonctionne pas', 'casse', 'connexion', 'mot de passe'],
  },
  sales: {
    en: ['price', 'buy', 'quote', 'discount', 'in stock', 'available'],
    fr: ['prix', 'acheter', 'devis', 'reduction', 'en stock', 'disponible'],
  },
};

const NEGATIVE: Lexicon = {
  en: ['angry', 'furious', 'terrible', 'awful', 'horrible', 'worst', 'unacceptable', 'disappointed', 'disappointing', 'useless', 'ridiculous', 'scam', 'hate', 'annoyed', 'fed up', 'never again', 'bad', 'rude'],
  fr: ['furieux', 'furieuse', 'colere', 'nul', 'nulle', 'horrible', 'inadmissible', 'inacceptable', 'decu', 'decue', 'arnaque', 'honteux', 'marre', 'ras le bol', 'jamais plus', 'mauvais', 'toujours pas', 'scandaleux'],
};
const POSITIVE: Lexicon = {
  en: ['thanks', 'thank you', 'great', 'perfect', 'love', 'awesome', 'excellent', 'happy', 'good', 'nice'],
  fr: ['merci', 'super', 'parfait', 'genial', 'excellent', 'content', 'contente', 'top', 'bien', 'adore'],
};
const NEGATIONS: Lexicon = { en: ['not', 'no', 'never', 'dont', 'isnt', 'wasnt'], fr: ['pas', 'jamais', 'plus', 'aucun', 'aucune'] };

/**
 * Keyword lexicon, English and French: an intent wins by the number of its keywords present (ties:
 * the intent listed first); sentiment counts negative and positive words, a negation just before a
 * positive word turns it negative, and "!!" or a shouted (all-caps) message weighs one more.
 * Unknown languages are read with every lexicon.
 */
export class LexiconAnalyzer implements TextAnalyzer {
  private readonly intents: Array<[string, Lexicon]>;

  constructor(extra: Record<string, Record<string, string[]>> = {}) {
    const merged = new Map<string, Lexicon>(Object.entries(BUILT_IN_INTENTS).map(([k, v]) => [k, { ...v }]));
    for (const [intent, byLanguage] of Object.entries(extra)) {
      const lexicon = merged.get(intent) ?? {};
      for (const [lang, words] of Object.entries(byLanguage)) lexicon[lang] = [...(lexicon[lang] ?? []), ...words];
      merged.set(intent, lexicon);
    }
    this.intents = [...merged.entries()];
  }

  analyze(text: string, language: string): TextAnalysis {
    const words = tokens(text);
    const lang = primaryLanguage(language);
    const pick = (lexicon: Lexicon) => (lexicon[lang] ? lexicon[lang] : Object.values(lexicon).flat());
    let intent = '';
    let best = 0;
    for (const [name, lexicon] of this.intents) {
      const hits = pick(lexicon).filter((k) => containsPhrase(words, k)).length;
      if (hits > best) {
        best = hits;
        intent = name;
      }
    }
    const negations = new Set(pick(NEGATIONS));
    let score = pick(NEGATIVE).filter((k) => containsPhrase(words, k)).length;
    for (const k of pick(POSITIVE)) {
      const needle = tokens(k);
      const i = indexOfPhrase(words, needle);
      if (i < 0) continue;
      const negated = words.slice(Math.max(0, i - 2), i).some((w) => negations.has(w));
      score += negated ? 1 : -1;
    }
    const letters = text.replace(/[^\p{L}]/gu, '');
    const shouted = letters.length >= 8 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
    if (score > 0 && (/!{2,}/.test(text) || shouted)) score += 1;
    return { intent, sentiment: score > 0 ? 'negative' : score < 0 ? 'positive' : 'neutral', sentimentScore: score };
  }
}

function indexOfPhrase(haystack: readonly string[], needle: readonly string[]): number {
  if (!needle.length) return -1;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
