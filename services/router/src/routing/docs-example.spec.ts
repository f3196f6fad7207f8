import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LexiconAnalyzer } from './analyzer';
import type { RoutingDocument } from './document';
import { evaluate, flowFor, welcomeFor, type RoutingFacts } from './evaluate';
import { loadRoutingDocument } from './loader';
import { ROUTING_DOCUMENT_SCHEMA } from './schema';

/** The complete example of docs/routing.md: it loads, uses every feature, and does what the table says. */
const markdown = readFileSync(join(__dirname, '../../../../docs/routing.md'), 'utf8');
const section = markdown.slice(markdown.indexOf('## A complete example'));
const source = section.slice(section.indexOf('```yaml\n') + 8, section.indexOf('\n```', section.indexOf('```yaml\n')));

describe('docs/routing.md: the complete example', () => {
  const loaded = loadRoutingDocument(source);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const doc: RoutingDocument = loaded.document;
  const analyzer = new LexiconAnalyzer(doc.intents);
  const facts = (text: string, language: string, over: Partial<RoutingFacts> = {}): RoutingFacts => ({
    channel: 'messenger',
    language,
    text,
    analysis: analyzer.analyze(text, language),
    contact: {},
    botAnswers: {},
    ...over,
  });
  const TUESDAY_10_PARIS = new Date('2026-11-24T09:00:00Z');
  const SATURDAY_22_PARIS = new Date('2026-11-28T21:00:00Z');

  it('uses every condition, action and queue/bot/welcome field of the schema', () => {
    const props = ROUTING_DOCUMENT_SCHEMA.properties;
    const used = (keys: string[]) => new Set(keys);
    const conditions = used(doc.rules.flatMap((r) => Object.keys(r.when)));
    const actions = used(doc.rules.flatMap((r) => Object.keys(r.then)));
    const queueFields = used(Object.values(doc.queues).flatMap((q) => Object.keys(q)));
    const botFields = used(Object.values(doc.bots ?? {}).flatMap((b) => [...Object.keys(b), ...b.questions.flatMap((q) => Object.keys(q))]));
    const entryFields = used([...(doc.welcomes ?? []).flatMap((w) => Object.keys(w.entry_point)), ...doc.rules.flatMap((r) => Object.keys(r.when.entry_point ?? {}))]);
    expect([...conditions].sort()).toEqual(Object.keys(props.rules.items.properties.when.properties).sort());
    expect([...actions].sort()).toEqual(Object.keys(props.rules.items.properties.then.properties).sort());
    expect([...queueFields].sort()).toEqual(Object.keys(props.queues.additionalProperties.properties).sort());
    expect([...botFields].sort()).toEqual([...Object.keys(props.bots.additionalProperties.properties), 'key', 'text', 'options', 'pattern'].sort());
    expect([...entryFields].sort()).toEqual(['ad_id', 'ref', 'source', 'welcome_message_id']);
    expect(Object.keys(doc).sort()).toEqual(Object.keys(props).sort());
    expect(doc.rules.some((r) => r.continue)).toBe(true);
    expect(doc.welcomes?.some((w) => w.quick_replies?.length)).toBe(true);
  });

  it('does what the table says', () => {
    const vip = evaluate(doc, facts('Hello', 'en', { contact: { tier: 'VIP' } }), TUESDAY_10_PARIS);
    expect(vip).toMatchObject({ queue: 'vip', priority: 100, tags: ['vip'] });
    expect(vip.reasons.map((r) => r.rule)).toEqual(['rule:vip']);

    const unhappy = evaluate(doc, facts("C'est inadmissible, toujours pas de colis", 'fr', { lastContactAt: new Date(TUESDAY_10_PARIS.getTime() - 2 * 86_400_000) }), TUESDAY_10_PARIS);
    expect(unhappy).toMatchObject({ queue: 'retention', priority: 90, escalated: true, bot: undefined });
    expect(unhappy.reasons.map((r) => r.rule)).toEqual(['rule:unhappy-repeat-customer', 'escalated']);

    const link = facts('Get Started', 'en', { entryPoint: { source: 'deep_link', ref: 'billing', adId: '', welcomeMessageId: '' } });
    const start = evaluate(doc, link, TUESDAY_10_PARIS);
    expect(flowFor(start, welcomeFor(doc, link), false)).toBe('billing-triage');
    expect(flowFor(start, welcomeFor(doc, link), true)).toBeUndefined();
    const handoff = evaluate(doc, { ...link, botAnswers: { topic: 'invoice', order_number: '458812' } }, TUESDAY_10_PARIS);
    expect(handoff).toMatchObject({ queue: 'billing', skills: ['billing', 'invoices'] });
    expect(handoff.reasons.map((r) => r.rule)).toEqual(['rule:billing-after-bot']);
    expect(evaluate(doc, facts('human please', 'en'), TUESDAY_10_PARIS).reasons.map((r) => r.rule)).toEqual(['default-queue']);

    const french = evaluate(doc, facts('Bonjour, une question sur vos manteaux', 'fr'), SATURDAY_22_PARIS);
    expect(french).toMatchObject({ queue: 'support-fr', inHours: true });
    const german = evaluate(doc, facts('Guten Abend, eine Frage zu Ihren Mänteln', 'de'), SATURDAY_22_PARIS);
    expect(german).toMatchObject({ queue: 'support', inHours: false, nextOpening: new Date('2026-11-30T08:00:00Z') });
    expect(german.reasons.map((r) => r.rule)).toEqual(['default-queue', 'out-of-hours']);

    expect(evaluate(doc, facts('Hello', 'en'), new Date('2026-11-30T06:00:00Z'))).toMatchObject({ queue: 'support', inHours: false });
    const overflow = evaluate(doc, facts('Hello', 'en'), new Date('2026-11-27T16:00:00Z'));
    expect(overflow).toMatchObject({ queue: 'follow-the-sun', inHours: true });
    expect(overflow.reasons.map((r) => r.rule)).toEqual(['default-queue', 'closed-overflow:follow-the-sun']);

    const returns = evaluate(doc, facts('I want to return these boots, wrong size', 'en'), new Date('2026-11-30T09:00:00Z'));
    expect(returns).toMatchObject({ queue: 'support', skills: ['support', 'returns'] });
    expect(returns.reasons.map((r) => r.rule)).toEqual(['rule:returns']);
  });
});
