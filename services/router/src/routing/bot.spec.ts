import { answerQuestion, asksForHuman } from './bot';
import type { BotQuestion } from './document';

const topic: BotQuestion = {
  key: 'topic',
  text: 'What is it about?',
  options: [
    { title: 'Invoice', payload: 'invoice', synonyms: ['bill', 'facture'] },
    { title: 'Delivery', payload: 'delivery', synonyms: ['parcel', 'colis', 'livraison'] },
  ],
};
const order: BotQuestion = { key: 'order', text: 'Order number?', pattern: '#?(\\d{4,10})' };
const open: BotQuestion = { key: 'details', text: 'Tell us more' };

describe('bot answers', () => {
  const cases: Array<[string, BotQuestion, { text: string; payload?: string }, ReturnType<typeof answerQuestion>]> = [
    ['a tapped quick reply', topic, { text: 'Invoice', payload: 'invoice' }, { kind: 'answer', value: 'invoice' }],
    ['a tapped option wins over its text', topic, { text: 'whatever', payload: 'delivery' }, { kind: 'answer', value: 'delivery' }],
    ['typed title', topic, { text: 'delivery please' }, { kind: 'answer', value: 'delivery' }],
    ['typed synonym, French, accents ignored', topic, { text: 'Ma FACTURE est fausse' }, { kind: 'answer', value: 'invoice' }],
    ['typed synonym (first option in order wins)', topic, { text: 'the bill for the parcel' }, { kind: 'answer', value: 'invoice' }],
    ['no option matches', topic, { text: 'hello?' }, { kind: 'no-match' }],
    ['pattern keeps the first group', order, { text: 'it is #458812 thanks' }, { kind: 'answer', value: '458812' }],
    ['pattern does not match', order, { text: 'I lost it' }, { kind: 'no-match' }],
    ['an open question takes the text', open, { text: '  The zip is broken  ' }, { kind: 'answer', value: 'The zip is broken' }],
    ['an empty message is no answer', open, { text: '   ' }, { kind: 'no-match' }],
    ['"human please" at any question', order, { text: 'human please' }, { kind: 'human' }],
    ['"un humain" in French', topic, { text: 'Je veux parler à un humain' }, { kind: 'human' }],
    ['"agent"', open, { text: 'AGENT!' }, { kind: 'human' }],
  ];
  it.each(cases)('%s', (_name, question, input, expected) => {
    expect(answerQuestion(question, { text: input.text, payload: input.payload ?? '' })).toEqual(expected);
  });

  it('asks for a person only on whole words, with the document’s own list when given', () => {
    expect(asksForHuman({ text: 'our agency called', payload: '' })).toBe(false);
    expect(asksForHuman({ text: 'a real person please', payload: '' })).toBe(true);
    expect(asksForHuman({ text: 'human please', payload: '' }, ['operator'])).toBe(false);
    expect(asksForHuman({ text: 'operator', payload: '' }, ['operator'])).toBe(true);
  });

  it('reads a bounded slice of very long input', () => {
    const long = `${'a'.repeat(100_000)} 12345`;
    expect(answerQuestion(order, { text: long, payload: '' })).toEqual({ kind: 'no-match' });
  });
});
