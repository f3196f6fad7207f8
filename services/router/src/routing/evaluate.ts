import type { AttributeMatcher, AutoReply, EntryPointCondition, EntryPointSource, LocalizedText, NumberMatcher, QueueDefinition, RoutingDocument, RuleDefinition, WelcomeDefinition } from './document';
import type { TextAnalysis } from './analyzer';
import { isOpen, nextOpening } from './hours';
import { containsPhrase, primaryLanguage, tokens } from './text';
import { reason, type RouterReason } from './reasons';

/** Everything a routing decision may look at, gathered once per message. */
export interface RoutingFacts {
  /** Channel slug (`messenger`, `whatsapp`…). */
  channel: string;
  entryPoint?: { source: EntryPointSource | ''; ref: string; adId: string; welcomeMessageId: string };
  /** BCP 47 tag of the message (or the contact), '' when unknown. */
  language: string;
  text: string;
  analysis: TextAnalysis;
  /** The contact profile by snake_case field name (`tier`, `lifetime_value`, `open_orders`…). */
  contact: Record<string, unknown>;
  /** When the contact was last routed before this conversation, if ever. */
  lastContactAt?: Date;
  /** The contact's last CSAT answer (1–5), if any. */
  lastCsat?: number;
  /** What a bot flow collected (question key → answer). */
  botAnswers: Record<string, string>;
}

export interface Evaluation {
  queue: string;
  skills: string[];
  priority: number;
  tags: string[];
  escalated: boolean;
  /** Bot flow a rule starts (never for an escalated conversation). */
  bot?: string;
  autoReply?: AutoReply;
  inHours: boolean;
  /** When the chosen queue opens next (undefined when it is open or has no opening). */
  nextOpening?: Date;
  firstResponseTargetSeconds: number;
  overflow?: { queue: string; afterSeconds: number };
  /** Rule ids that matched and were applied, in application order. */
  matchedRules: string[];
  reasons: RouterReason[];
}

const DAY_MS = 86_400_000;

/**
 * The routing document applied to one conversation, deterministically:
 * - **first-match**: rules in document order; the first matching rule is applied and evaluation
 *   stops, unless that rule says `continue: true` (then its actions apply and the next rules are tried).
 * - **scored**: every matching rule is applied; rules are ranked by `score` (default 1), ties by
 *   document order, and the best-ranked rule that sets a queue / priority / bot / auto-reply wins.
 * In both, the applied rules' queues are candidates in that order; a candidate whose languages do
 * not include the customer's is filtered out (with the reason); a closed candidate with an open
 * overflow queue hands over to it; when no candidate is left the default queue takes the
 * conversation. Skills are the queue's plus every applied rule's `add_skills`; `priority_boost`s add
 * up on top of the chosen priority; tags accumulate; any applied `escalate` escalates.
 */
export function evaluate(doc: RoutingDocument, facts: RoutingFacts, at: Date): Evaluation {
  const applied = appliedRules(doc, facts, at);
  const reasons: RouterReason[] = applied.map(({ rule, matched }) => reason('rule:', rule.id, rule.description || (matched.length ? `matched on ${matched.join(', ')}` : 'matched (no conditions)')));
  const candidates = [...new Set(applied.map(({ rule }) => rule.then.queue).filter((q): q is string => q !== undefined))];
  const language = primaryLanguage(facts.language);
  let queue: string | undefined;
  for (const candidate of candidates) {
    const definition = doc.queues[candidate];
    if (language && definition.languages?.length && !definition.languages.includes(language)) {
      reasons.push(reason('queue-filtered:', candidate, `does not speak "${language}" (speaks ${definition.languages.join(', ')})`));
      continue;
    }
    queue = candidate;
    break;
  }
  if (queue === undefined) {
    queue = doc.default_queue;
    reasons.push(reason('default-queue', '', candidates.length ? `every candidate queue was filtered out; routed to "${queue}"` : `no rule chose a queue; routed to "${queue}"`));
  }
  let definition: QueueDefinition = doc.queues[queue];
  const overflowTo = definition.overflow?.queue;
  if (!isOpen(definition.hours, at) && overflowTo && isOpen(doc.queues[overflowTo].hours, at)) {
    reasons.push(reason('closed-overflow:', overflowTo, `"${queue}" is closed; "${overflowTo}" is open`));
    queue = overflowTo;
    definition = doc.queues[queue];
  }
  const inHours = isOpen(definition.hours, at);
  if (!inHours) reasons.push(reason('out-of-hours', '', `"${queue}" is outside its business hours`));
  const first = <T>(pick: (rule: RuleDefinition) => T | undefined): T | undefined => {
    for (const { rule } of applied) {
      const value = pick(rule);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const escalated = applied.some(({ rule }) => rule.then.escalate === true);
  if (escalated) reasons.push(reason('escalated', '', `escalated by ${applied.filter(({ rule }) => rule.then.escalate).map(({ rule }) => rule.id).join(', ')}`));
  const priority = (first((r) => r.then.priority) ?? 0) + applied.reduce((sum, { rule }) => sum + (rule.then.priority_boost ?? 0), 0);
  return {
    queue,
    skills: unique([...(definition.skills ?? []), ...applied.flatMap(({ rule }) => rule.then.add_skills ?? [])]),
    priority,
    tags: unique(applied.flatMap(({ rule }) => rule.then.tags ?? [])),
    escalated,
    bot: escalated ? undefined : first((r) => r.then.bot),
    autoReply: first((r) => r.then.auto_reply),
    inHours,
    nextOpening: inHours ? undefined : nextOpening(definition.hours, at),
    firstResponseTargetSeconds: definition.first_response_target_seconds ?? 0,
    overflow: definition.overflow ? { queue: definition.overflow.queue, afterSeconds: definition.overflow.after_seconds ?? 0 } : undefined,
    matchedRules: applied.map(({ rule }) => rule.id),
    reasons,
  };
}

/** The welcome for the customer's entry point: the first whose entry-point condition matches. */
export function welcomeFor(doc: RoutingDocument, facts: RoutingFacts): WelcomeDefinition | undefined {
  if (!facts.entryPoint) return undefined;
  return doc.welcomes?.find((w) => entryPointMatches(w.entry_point, facts.entryPoint));
}

/** The text for a language: exact tag, then primary subtag, then `default`, then the first one. */
export function pickText(text: LocalizedText, language: string): string {
  if (typeof text === 'string') return text;
  const lang = language.toLowerCase();
  return text[lang] ?? text[primaryLanguage(lang)] ?? text.default ?? Object.values(text)[0] ?? '';
}

interface Applied {
  rule: RuleDefinition;
  matched: string[];
}

function appliedRules(doc: RoutingDocument, facts: RoutingFacts, at: Date): Applied[] {
  const words = tokens(facts.text);
  const matches: Array<Applied & { index: number }> = [];
  for (const [index, rule] of doc.rules.entries()) {
    const matched = matchRule(rule, facts, words, at);
    if (!matched) continue;
    matches.push({ rule, matched, index });
    if (doc.evaluation !== 'scored' && !rule.continue) break;
  }
  if (doc.evaluation === 'scored') matches.sort((a, b) => (b.rule.score ?? 1) - (a.rule.score ?? 1) || a.index - b.index);
  return matches;
}

/** The names of the conditions that held, or undefined when one did not. */
function matchRule(rule: RuleDefinition, facts: RoutingFacts, words: string[], at: Date): string[] | undefined {
  const when = rule.when;
  const matched: string[] = [];
  const check = (name: string, present: boolean, holds: () => boolean): boolean => {
    if (!present) return true;
    if (!holds()) return false;
    matched.push(name);
    return true;
  };
  const ok =
    check('channel', when.channel !== undefined, () => when.channel!.includes(facts.channel)) &&
    check('entry_point', when.entry_point !== undefined, () => entryPointMatches(when.entry_point!, facts.entryPoint)) &&
    check('language', when.language !== undefined, () => when.language!.includes(primaryLanguage(facts.language))) &&
    check('keywords', when.keywords !== undefined, () => when.keywords!.some((k) => containsPhrase(words, k))) &&
    check('intent', when.intent !== undefined, () => when.intent!.includes(facts.analysis.intent)) &&
    check('sentiment', when.sentiment !== undefined, () => when.sentiment!.includes(facts.analysis.sentiment)) &&
    check('contact', when.contact !== undefined, () => Object.entries(when.contact!).every(([field, matcher]) => attributeMatches(matcher, facts.contact[field]))) &&
    check('repeat_within_days', when.repeat_within_days !== undefined, () => facts.lastContactAt !== undefined && at.getTime() - facts.lastContactAt.getTime() <= when.repeat_within_days! * DAY_MS) &&
    check('last_csat', when.last_csat !== undefined, () => facts.lastCsat !== undefined && numberMatches(when.last_csat!, facts.lastCsat)) &&
    check('bot_answers', when.bot_answers !== undefined, () =>
      Object.entries(when.bot_answers!).every(([key, accepted]) => facts.botAnswers[key] !== undefined && accepted.some((a) => a.toLowerCase() === facts.botAnswers[key].toLowerCase())),
    );
  return ok ? matched.map((m) => (m === 'contact' ? `contact.${Object.keys(when.contact!).join('+')}` : m)) : undefined;
}

function entryPointMatches(condition: EntryPointCondition, entry: RoutingFacts['entryPoint']): boolean {
  if (!entry) return false;
  if (condition.source && !condition.source.includes(entry.source as EntryPointSource)) return false;
  if (condition.ref && !condition.ref.includes(entry.ref)) return false;
  if (condition.ad_id && !condition.ad_id.includes(entry.adId)) return false;
  if (condition.welcome_message_id && !condition.welcome_message_id.includes(entry.welcomeMessageId)) return false;
  return true;
}

function attributeMatches(matcher: AttributeMatcher, value: unknown): boolean {
  if (Array.isArray(matcher)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null && v !== '').map((v) => String(v).toLowerCase());
    return matcher.some((m) => values.includes(m.toLowerCase()));
  }
  return typeof value === 'number' && numberMatches(matcher, value);
}

function numberMatches(m: NumberMatcher, value: number): boolean {
  return (
    (m.eq === undefined || value === m.eq) &&
    (m.gt === undefined || value > m.gt) &&
    (m.gte === undefined || value >= m.gte) &&
    (m.lt === undefined || value < m.lt) &&
    (m.lte === undefined || value <= m.lte)
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The bot flow a new conversation starts: a rule's flow, else its welcome's; none when the
 * conversation is escalated, or when the customer asked for a person.
 */
export function flowFor(evaluation: Evaluation, welcome: WelcomeDefinition | undefined, humanAsked: boolean): string | undefined {
  if (evaluation.escalated || humanAsked) return undefined;
  return evaluation.bot ?? welcome?.bot;
}
