import fc from 'fast-check';
import { stringify } from 'yaml';
import { LexiconAnalyzer } from './analyzer';
import { evaluate } from './evaluate';
import { loadRoutingDocument } from './loader';

/** Whatever an admin pastes, the loader answers (a document or located errors), never throws. */
describe('loader and evaluator on arbitrary input', () => {
  it('any text: a document or errors that each have a line and column', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const result = loadRoutingDocument(text);
        if (!result.ok) for (const e of result.errors) expect(e.line >= 1 && e.column >= 1 && e.message.length > 0).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON-shaped value as YAML: never throws, errors are located', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = loadRoutingDocument(stringify(value));
        if (!result.ok) expect(result.errors.every((e) => e.line >= 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid document evaluates any text deterministically', () => {
    const loaded = loadRoutingDocument(
      'version: 1\nevaluation: scored\ndefault_queue: a\nqueues: { a: {}, b: { languages: [fr] } }\nrules:\n  - { id: x, when: { sentiment: [negative] }, then: { queue: b, priority_boost: 3 }, score: 2 }\n  - { id: y, when: { keywords: [help] }, then: { queue: a, priority: 7 } }\n',
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const analyzer = new LexiconAnalyzer();
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('en', 'fr', 'de', ''), fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), (text, language, at) => {
        const facts = { channel: 'sms', language, text, analysis: analyzer.analyze(text, language), contact: {}, botAnswers: {} };
        const first = evaluate(loaded.document, facts, at);
        expect(evaluate(loaded.document, facts, at)).toEqual(first);
        expect(['a', 'b']).toContain(first.queue);
      }),
      { numRuns: 300 },
    );
  });
});
