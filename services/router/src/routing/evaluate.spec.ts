import { LexiconAnalyzer } from './analyzer';
import type { RoutingDocument } from './document';
import { evaluate, pickText, welcomeFor, type RoutingFacts } from './evaluate';
import { formatOpening, isOpen, nextOpening } from './hours';
import { loadRoutingDocument } from './loader';

const analyzer = new LexiconAnalyzer();
const MONDAY_NOON_PARIS = new Date('2026-11-23T11:00:00Z');

const doc = (over: Partial<RoutingDocument> = {}): RoutingDocument => ({
  version: 1,
  evaluation: 'first-match',
  default_queue: 'general',
  queues: {
    general: { skills: ['support'], first_response_target_seconds: 600 },
    vip: { skills: ['vip'] },
    french: { languages: ['fr'], skills: ['fr'] },
    english: { languages: ['en'] },
    billing: { skills: ['billing'] },
    day: { hours: { timezone: 'Europe/Paris', weekly: { mon: ['09:00-18:00'] } }, overflow: { queue: 'night' } },
    night: { hours: { timezone: 'America/New_York', weekly: { mon: ['00:00-24:00'] } } },
  },
  rules: [],
  ...over,
});

const facts = (over: Partial<RoutingFacts> & { text?: string } = {}): RoutingFacts => {
  const text = over.text ?? 'Hello';
  const language = over.language ?? 'en';
  return { channel: 'messenger', language, text, analysis: analyzer.analyze(text, language), contact: {}, botAnswers: {}, ...over };
};

describe('rule conditions (each one, matching and not)', () => {
  const at = MONDAY_NOON_PARIS;
  const cases: Array<[string, RoutingDocument['rules'][number]['when'], Partial<RoutingFacts> & { text?: string }, boolean]> = [
    ['channel', { channel: ['whatsapp'] }, { channel: 'whatsapp' }, true],
    ['channel (other)', { channel: ['whatsapp'] }, { channel: 'sms' }, false],
    ['entry point ref', { entry_point: { ref: ['billing'] } }, { entryPoint: { source: 'deep_link', ref: 'billing', adId: '', welcomeMessageId: '' } }, true],
    ['entry point ad id', { entry_point: { source: ['ad'], ad_id: ['ad-7'] } }, { entryPoint: { source: 'ad', ref: '', adId: 'ad-7', welcomeMessageId: '' } }, true],
    ['entry point (none)', { entry_point: { ad_id: ['ad-7'] } }, {}, false],
    ['X welcome message id', { entry_point: { welcome_message_id: ['wm-1'] } }, { entryPoint: { source: 'welcome_message', ref: '', adId: '', welcomeMessageId: 'wm-1' } }, true],
    ['language (primary subtag)', { language: ['fr'] }, { language: 'fr-CA' }, true],
    ['language (other)', { language: ['fr'] }, { language: 'en' }, false],
    ['keyword, accent- and case-insensitive', { keywords: ['remboursé'] }, { text: 'Pas REMBOURSE depuis 3 semaines' }, true],
    ['keyword phrase needs whole words', { keywords: ['in stock'] }, { text: 'instock?' }, false],
    ['intent', { intent: ['billing'] }, { text: 'I was charged twice on my invoice' }, true],
    ['intent (French)', { intent: ['order_status'], language: ['fr'] }, { text: 'Où est ma commande ? Le colis n’est pas arrivé', language: 'fr' }, true],
    ['sentiment negative', { sentiment: ['negative'] }, { text: 'This is unacceptable, worst service ever' }, true],
    ['sentiment negative (French)', { sentiment: ['negative'] }, { text: "C'est inadmissible, j'en ai marre", language: 'fr' }, true],
    ['sentiment: negated positive', { sentiment: ['negative'] }, { text: 'not good at all' }, true],
    ['sentiment positive', { sentiment: ['negative'] }, { text: 'Thanks, perfect!' }, false],
    ['contact tier list', { contact: { tier: ['VIP', 'gold'] } }, { contact: { tier: 'vip' } }, true],
    ['contact tier (empty)', { contact: { tier: ['vip'] } }, { contact: { tier: '' } }, false],
    ['contact lifetime value', { contact: { lifetime_value: { gte: 1000 } } }, { contact: { lifetime_value: 1500 } }, true],
    ['contact open orders', { contact: { open_orders: { gt: 0, lte: 3 } } }, { contact: { open_orders: 4 } }, false],
    ['contact CRM ids (any attribute, list-valued)', { contact: { crm_customer_ids: ['C-42'] } }, { contact: { crm_customer_ids: ['C-1', 'c-42'] } }, true],
    ['repeat within 7 days', { repeat_within_days: 7 }, { lastContactAt: new Date(at.getTime() - 6 * 86_400_000) }, true],
    ['repeat: 8 days ago is not', { repeat_within_days: 7 }, { lastContactAt: new Date(at.getTime() - 8 * 86_400_000) }, false],
    ['repeat: never routed', { repeat_within_days: 7 }, {}, false],
    ['last CSAT', { last_csat: { lte: 2 } }, { lastCsat: 1 }, true],
    ['last CSAT (none yet)', { last_csat: { lte: 2 } }, {}, false],
    ['bot answers', { bot_answers: { topic: ['invoice'] } }, { botAnswers: { topic: 'Invoice' } }, true],
    ['all conditions must hold', { channel: ['messenger'], language: ['fr'] }, { channel: 'messenger', language: 'en' }, false],
    ['no conditions always matches', {}, {}, true],
  ];
  it.each(cases)('%s', (_name, when, given, expected) => {
    const result = evaluate(doc({ rules: [{ id: 'r', when, then: { tags: ['hit'] } }] }), facts(given), at);
    expect(result.matchedRules).toEqual(expected ? ['r'] : []);
    expect(result.tags).toEqual(expected ? ['hit'] : []);
  });
});

describe('rule actions', () => {
  const at = MONDAY_NOON_PARIS;
  it('queue, skills, priority, tags, auto-reply, bot, in order, with reasons', () => {
    const result = evaluate(
      doc({
        rules: [
          { id: 'boost', when: {}, then: { priority_boost: 5, add_skills: ['returns'], tags: ['a'] }, continue: true },
          { id: 'billing', when: { intent: ['billing'] }, then: { queue: 'billing', priority: 20, tags: ['b', 'a'], auto_reply: { text: 'On it' }, bot: 'triage' } },
          { id: 'never', when: {}, then: { queue: 'vip' } },
        ],
      }),
      facts({ text: 'Refund my invoice' }),
      at,
    );
    expect(result).toMatchObject({ queue: 'billing', skills: ['billing', 'returns'], priority: 25, tags: ['a', 'b'], autoReply: { text: 'On it' }, bot: 'triage', escalated: false, inHours: true });
    expect(result.reasons.map((r) => r.rule)).toEqual(['rule:boost', 'rule:billing']);
    expect(result.firstResponseTargetSeconds).toBe(0);
  });

  it('escalation skips the bot and says so', () => {
    const result = evaluate(doc({ rules: [{ id: 'angry', when: {}, then: { escalate: true, bot: 'triage', priority: 100 } }] }), facts(), at);
    expect(result).toMatchObject({ escalated: true, bot: undefined, priority: 100 });
    expect(result.reasons.map((r) => r.rule)).toEqual(['rule:angry', 'default-queue', 'escalated']);
  });

  it('no rule: default queue with its skills and first-response target', () => {
    const result = evaluate(doc(), facts(), at);
    expect(result).toMatchObject({ queue: 'general', skills: ['support'], priority: 0, firstResponseTargetSeconds: 600 });
    expect(result.reasons).toEqual([{ rule: 'default-queue', detail: 'no rule chose a queue; routed to "general"' }]);
  });

  it('filters a candidate queue that does not speak the language, with the reason, and takes the next', () => {
    const result = evaluate(
      doc({ evaluation: 'scored', rules: [{ id: 'en', when: {}, then: { queue: 'english' }, score: 5 }, { id: 'fr', when: {}, then: { queue: 'french' }, score: 1 }] }),
      facts({ language: 'fr', text: 'Bonjour' }),
      at,
    );
    expect(result.queue).toBe('french');
    expect(result.reasons.map((r) => r.rule)).toEqual(['rule:en', 'rule:fr', 'queue-filtered:english']);
    expect(result.reasons[2].detail).toContain('"fr"');
  });

  it('every candidate filtered: default queue', () => {
    const result = evaluate(doc({ rules: [{ id: 'fr', when: {}, then: { queue: 'french' } }] }), facts({ language: 'de' }), at);
    expect(result.queue).toBe('general');
    expect(result.reasons.map((r) => r.rule)).toEqual(['rule:fr', 'queue-filtered:french', 'default-queue']);
  });
});

describe('first-match and scored evaluation, priorities and tie-breaks', () => {
  const at = MONDAY_NOON_PARIS;
  const rules: RoutingDocument['rules'] = [
    { id: 'low', when: {}, then: { queue: 'billing', priority: 1 }, score: 1 },
    { id: 'high-a', when: {}, then: { queue: 'vip', priority: 50 }, score: 10 },
    { id: 'high-b', when: {}, then: { queue: 'french', priority: 70 }, score: 10 },
  ];
  it('first-match stops at the first matching rule', () => {
    const result = evaluate(doc({ rules }), facts(), at);
    expect(result).toMatchObject({ queue: 'billing', priority: 1, matchedRules: ['low'] });
  });
  it('scored applies every matching rule; the best score wins; equal scores go by document order', () => {
    const result = evaluate(doc({ evaluation: 'scored', rules }), facts(), at);
    expect(result).toMatchObject({ queue: 'vip', priority: 50, matchedRules: ['high-a', 'high-b', 'low'] });
  });
  it('is deterministic: the same input gives the same decision', () => {
    const d = doc({ evaluation: 'scored', rules });
    expect(evaluate(d, facts(), at)).toEqual(evaluate(d, facts(), at));
  });
  it('boosts add up on top of the chosen priority', () => {
    const result = evaluate(doc({ evaluation: 'scored', rules: [...rules, { id: 'boost', when: {}, then: { priority_boost: -3 }, score: 0 }] }), facts(), at);
    expect(result.priority).toBe(47);
  });
});

describe('business hours (time zone, daylight saving, holidays) with an injected time', () => {
  const hours = { timezone: 'Europe/Paris', weekly: { mon: ['09:00-12:00', '14:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'], sun: ['09:00-12:00'] }, holidays: ['2026-12-25'] };
  const table: Array<[string, string, boolean, string | undefined]> = [
    ['Monday 11:59 Paris (CET)', '2026-11-23T10:59:00Z', true, '2026-11-23T10:59:00.000Z'],
    ['Monday 12:30 Paris: lunch break', '2026-11-23T11:30:00Z', false, '2026-11-23T13:00:00.000Z'],
    ['Friday 22:00 Paris: next is Sunday 09:00', '2026-11-27T21:00:00Z', false, '2026-11-29T08:00:00.000Z'],
    // Summer time: 09:00 Paris is 07:00 UTC; after 2026-10-25 it is 08:00 UTC.
    ['Friday 08:30 Paris before the change (CEST)', '2026-10-23T06:30:00Z', false, '2026-10-23T07:00:00.000Z'],
    ['Saturday 22:00 Paris, the night of the change: Sunday 09:00 CET', '2026-10-24T20:00:00Z', false, '2026-10-25T08:00:00.000Z'],
    ['Sunday 08:30 UTC = 09:30 CET after the change: open', '2026-10-25T08:30:00Z', true, '2026-10-25T08:30:00.000Z'],
    ['Sunday 07:30 UTC = 08:30 CET after the change (was 09:30 CEST): closed', '2026-10-25T07:30:00Z', false, '2026-10-25T08:00:00.000Z'],
    ['Christmas Friday 10:00: a holiday', '2026-12-25T09:00:00Z', false, '2026-12-27T08:00:00.000Z'],
    ['the day after Christmas is a Saturday: closed', '2026-12-26T10:00:00Z', false, '2026-12-27T08:00:00.000Z'],
  ];
  it.each(table)('%s', (_name, iso, open, next) => {
    const at = new Date(iso);
    expect(isOpen(hours, at)).toBe(open);
    expect(nextOpening(hours, at)?.toISOString()).toBe(next);
  });

  it('spring forward in New York: 09:00 local is 13:00 UTC after the change', () => {
    const ny = { timezone: 'America/New_York', weekly: { sun: ['09:00-17:00'] } };
    expect(nextOpening(ny, new Date('2026-03-08T05:00:00Z'))?.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(nextOpening(ny, new Date('2026-03-01T05:00:00Z'))?.toISOString()).toBe('2026-03-01T14:00:00.000Z');
  });

  it('a queue with no opening has none', () => {
    expect(nextOpening({ timezone: 'UTC', weekly: {} }, new Date())).toBeUndefined();
  });

  it('the evaluation reports out-of-hours and the next opening, and overflows to an open queue', () => {
    const closed = evaluate(doc({ rules: [{ id: 'day', when: {}, then: { queue: 'day' } }] }), facts(), new Date('2026-11-24T12:00:00Z'));
    expect(closed).toMatchObject({ queue: 'day', inHours: false, nextOpening: new Date('2026-11-30T08:00:00Z') });
    expect(closed.reasons.map((r) => r.rule)).toEqual(['rule:day', 'out-of-hours']);
    // Monday 02:00 Paris = Sunday 20:00 New York... then Monday 06:00 Paris is Monday 00:00 New York: night is open.
    const overflow = evaluate(doc({ rules: [{ id: 'day', when: {}, then: { queue: 'day' } }] }), facts(), new Date('2026-11-23T05:30:00Z'));
    expect(overflow).toMatchObject({ queue: 'night', inHours: true });
    expect(overflow.reasons.map((r) => r.rule)).toEqual(['rule:day', 'closed-overflow:night']);
  });

  it('names the next opening in the customer’s zone and language', () => {
    expect(formatOpening(new Date('2026-11-30T08:00:00Z'), 'America/New_York', 'en')).toBe('Monday, November 30 at 03:00 EST');
    expect(formatOpening(new Date('2026-11-30T08:00:00Z'), 'Europe/Paris', 'fr')).toMatch(/^lundi 30 novembre (à )?09:00 UTC\+1$/);
  });
});

describe('welcomes and localized texts', () => {
  const d = doc({ welcomes: [{ id: 'billing', entry_point: { ref: ['billing'] }, text: 'Billing!' }, { id: 'ads', entry_point: { source: ['ad'] }, text: { en: 'Ad!', fr: 'Pub !' } }] });
  it('picks the welcome of the entry point', () => {
    expect(welcomeFor(d, facts({ entryPoint: { source: 'deep_link', ref: 'billing', adId: '', welcomeMessageId: '' } }))?.id).toBe('billing');
    expect(welcomeFor(d, facts({ entryPoint: { source: 'ad', ref: '', adId: '1', welcomeMessageId: '' } }))?.id).toBe('ads');
    expect(welcomeFor(d, facts())).toBeUndefined();
  });
  it('picks the text for the language', () => {
    expect(pickText({ en: 'Hi', fr: 'Salut' }, 'fr-CA')).toBe('Salut');
    expect(pickText({ en: 'Hi', default: 'Hello' }, 'de')).toBe('Hello');
    expect(pickText({ en: 'Hi' }, 'de')).toBe('Hi');
  });
});

describe('the loader', () => {
  it('loads a valid document', () => {
    const result = loadRoutingDocument('version: 1\ndefault_queue: general\nqueues:\n  general: {}\nrules: []\n');
    expect(result).toMatchObject({ ok: true, document: { evaluation: 'first-match', default_queue: 'general' } });
  });

  it('refuses with every error and its location', () => {
    const source = [
      'version: 1', // 1
      'default_queue: nowhere', // 2
      'queues:', // 3
      '  general:', // 4
      '    languages: [english]', // 5
      '    hours: { timezone: Mars/Olympus, weekly: { mon: ["18:00-09:00"] } }', // 6
      'rules:', // 7
      '  - id: a', // 8
      '    when: { channel: [fax] }', // 9
      '    then: { queue: general }', // 10
      '  - id: b', // 11
      '    when: {}', // 12
      '    then: { queue: general }', // 13
      '    colour: blue', // 14
    ].join('\n');
    const result = loadRoutingDocument(source);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.line])).toEqual([
      ['queues.general.languages[0]', 5],
      ['rules[0].when.channel[0]', 9],
      ['rules[1].colour', 14],
    ]);
    expect(result.errors[2]).toMatchObject({ column: 5, message: 'unknown field "colour"' });
    // Cross-reference checks run once the shape is right.
    const second = loadRoutingDocument(source.replace('[english]', '[en]').replace('[fax]', '[sms]').replace('    colour: blue', ''));
    expect(second.ok || second.errors.map((e) => [e.path, e.line, e.message])).toEqual([
      ['default_queue', 2, 'queue "nowhere" is not defined under queues'],
      ['queues.general.hours.timezone', 6, '"Mars/Olympus" is not an IANA time zone'],
      ['queues.general.hours.weekly.mon[0]', 6, '"18:00-09:00" ends before it starts'],
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const result = loadRoutingDocument('version: 1\nqueues:\n  a: {}\n  a: {}\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].line).toBe(4);
    const broken = loadRoutingDocument('version: 1\nrules: [\n');
    expect(broken.ok).toBe(false);
    const alias = loadRoutingDocument('version: 1\nqueues:\n  a: *nowhere\n');
    expect(alias.ok || alias.errors.map((e) => [e.line, e.message])).toEqual([[3, 'Unresolved alias (the anchor must be set before the alias): nowhere']]);
  });

  it.each([
    ['(a+)+$', false],
    ['(\\d*)*x', false],
    ['^(\\w+\\s?){2,}$', false],
    ['#?(\\d{5,10})', true],
    ['(\\d{4,})', true],
    ['^(yes|no)+$', true],
  ])('pattern %s accepted: %s', (pattern, accepted) => {
    const result = loadRoutingDocument(`version: 1\ndefault_queue: g\nqueues: { g: {} }\nbots: { t: { questions: [{ key: k, text: hi, pattern: '${pattern}' }] } }\nrules: []\n`);
    expect(result.ok).toBe(accepted);
  });

  it('refuses unknown queues and bots in rules, duplicate rule ids and bad patterns', () => {
    const result = loadRoutingDocument(
      'version: 1\ndefault_queue: g\nqueues: { g: {} }\nbots: { t: { questions: [{ key: k, text: hi, pattern: "([" }] } }\nrules:\n  - { id: x, when: {}, then: { queue: h } }\n  - { id: x, when: {}, then: { bot: nope } }\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['rules[1].id', 'rules[0].then.queue', 'rules[1].then.bot', 'bots.t.questions[0].pattern']);
  });
});
