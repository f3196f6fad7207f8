import { createHash } from 'node:crypto';
import Ajv, { type ErrorObject } from 'ajv';
import { IANAZone } from 'luxon';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { WEEKDAYS, type RoutingDocument } from './document';
import { ROUTING_DOCUMENT_SCHEMA } from './schema';

/** One problem in a document: where (JSON path and YAML line/column, 1-based) and what. */
export interface DocumentError {
  path: string;
  line: number;
  column: number;
  message: string;
}

export type LoadResult = { ok: true; document: RoutingDocument; sha256: string } | { ok: false; errors: DocumentError[] };

/** Documents larger than this are refused before parsing (the API body limit is larger). */
export const MAX_DOCUMENT_BYTES = 256 * 1024;
const MAX_ERRORS = 100;

/** A group containing a quantifier, itself followed by a quantifier. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\d*\})/;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(ROUTING_DOCUMENT_SCHEMA);

/**
 * YAML text → a checked routing document, or every error with its location: YAML syntax errors,
 * then JSON Schema errors, then what a schema cannot say (references to undefined queues and
 * bots, unknown time zones, empty time ranges, invalid patterns, duplicate ids).
 */
export function loadRoutingDocument(source: string): LoadResult {
  if (Buffer.byteLength(source) > MAX_DOCUMENT_BYTES) return { ok: false, errors: [{ path: '', line: 1, column: 1, message: `document is larger than ${MAX_DOCUMENT_BYTES} bytes` }] };
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lines.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.slice(0, MAX_ERRORS).map((e) => ({ path: '', ...at(e.pos[0]), message: e.message.split('\n')[0] })) };
  }
  let value: unknown;
  try {
    // Aliases resolve here: an alias to an anchor defined later, or too many of them, throws.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [{ path: '', ...at(aliasOffset(doc)), message: (error as Error).message.split('\n')[0] }] };
  }
  const errors: DocumentError[] = [];
  const locate = (segments: Array<string | number>, key = false) => ({ path: pointer(segments), ...at(offsetOf(doc, segments, key)) });
  if (!validateSchema(value)) {
    for (const e of dedupe(validateSchema.errors ?? [])) {
      const segments = segmentsOf(e.instancePath);
      if (e.keyword === 'additionalProperties') {
        const name = (e.params as { additionalProperty: string }).additionalProperty;
        errors.push({ ...locate([...segments, name], true), message: `unknown field "${name}"` });
      } else if (e.keyword === 'required') {
        errors.push({ ...locate(segments), message: `missing field "${(e.params as { missingProperty: string }).missingProperty}"` });
      } else if (e.keyword === 'propertyNames') {
        const name = (e.params as { propertyName: string }).propertyName;
        errors.push({ ...locate([...segments, name], true), message: `"${name}" is not a valid name (lower-case letters, digits, - and _)` });
      } else {
        errors.push({ ...locate(segments), message: schemaMessage(e) });
      }
    }
    return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  }
  const document = { evaluation: 'first-match', ...(value as object) } as RoutingDocument;
  for (const problem of crossChecks(document)) errors.push({ ...locate(problem.segments, problem.key), message: problem.message });
  if (errors.length) return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  return { ok: true, document, sha256: createHash('sha256').update(source).digest('hex') };
}

interface Problem {
  segments: Array<string | number>;
  message: string;
  key?: boolean;
}

function crossChecks(doc: RoutingDocument): Problem[] {
  const problems: Problem[] = [];
  const queues = new Set(Object.keys(doc.queues));
  const bots = new Set(Object.keys(doc.bots ?? {}));
  const queueRef = (name: string | undefined, segments: Array<string | number>) => {
    if (name !== undefined && !queues.has(name)) problems.push({ segments, message: `queue "${name}" is not defined under queues` });
  };
  const botRef = (name: string | undefined, segments: Array<string | number>) => {
    if (name !== undefined && !bots.has(name)) problems.push({ segments, message: `bot "${name}" is not defined under bots` });
  };
  queueRef(doc.default_queue, ['default_queue']);
  for (const [name, queue] of Object.entries(doc.queues)) {
    queueRef(queue.overflow?.queue, ['queues', name, 'overflow', 'queue']);
    if (queue.overflow?.queue === name) problems.push({ segments: ['queues', name, 'overflow', 'queue'], message: 'a queue cannot overflow into itself' });
    if (!queue.hours) continue;
    if (!IANAZone.isValidZone(queue.hours.timezone)) problems.push({ segments: ['queues', name, 'hours', 'timezone'], message: `"${queue.hours.timezone}" is not an IANA time zone` });
    for (const day of WEEKDAYS) {
      for (const [i, range] of (queue.hours.weekly[day] ?? []).entries()) {
        const [from, to] = range.split('-');
        if (from >= to) problems.push({ segments: ['queues', name, 'hours', 'weekly', day, i], message: `"${range}" ends before it starts` });
      }
    }
    for (const [i, date] of (queue.hours.holidays ?? []).entries()) {
      if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
        problems.push({ segments: ['queues', name, 'hours', 'holidays', i], message: `"${date}" is not a calendar date` });
      }
    }
  }
  const seen = (kind: string, ids: Array<string>, base: string) => {
    const first = new Map<string, number>();
    ids.forEach((value, i) => {
      if (first.has(value)) problems.push({ segments: [base, i, 'id'], message: `${kind} id "${value}" is already used at ${base}[${first.get(value)}]` });
      else first.set(value, i);
    });
  };
  seen('rule', doc.rules.map((r) => r.id), 'rules');
  seen('welcome', (doc.welcomes ?? []).map((w) => w.id), 'welcomes');
  for (const [i, welcome] of (doc.welcomes ?? []).entries()) botRef(welcome.bot, ['welcomes', i, 'bot']);
  for (const [i, rule] of doc.rules.entries()) {
    queueRef(rule.then.queue, ['rules', i, 'then', 'queue']);
    botRef(rule.then.bot, ['rules', i, 'then', 'bot']);
    for (const [field, matcher] of Object.entries(rule.when.contact ?? {})) {
      if (!Array.isArray(matcher) && Object.keys(matcher).length === 0) problems.push({ segments: ['rules', i, 'when', 'contact', field], message: 'give at least one comparison' });
    }
  }
  for (const [name, bot] of Object.entries(doc.bots ?? {})) {
    const keys = new Set<string>();
    for (const [i, question] of bot.questions.entries()) {
      if (keys.has(question.key)) problems.push({ segments: ['bots', name, 'questions', i, 'key'], message: `question key "${question.key}" is already used in this flow` });
      keys.add(question.key);
      if (question.pattern !== undefined) {
        try {
          new RegExp(question.pattern, 'iu');
          // A quantified group that itself repeats ("(a+)+", "(\\d*)*") can backtrack for
          // exponential time on a customer's text: refused, so a typo cannot stall the router.
          if (NESTED_QUANTIFIER.test(question.pattern)) problems.push({ segments: ['bots', name, 'questions', i, 'pattern'], message: 'nested quantifiers (a repeated group that repeats inside) can take exponential time' });
        } catch (error) {
          problems.push({ segments: ['bots', name, 'questions', i, 'pattern'], message: `invalid regular expression: ${(error as Error).message}` });
        }
      }
    }
  }
  return problems;
}

function schemaMessage(e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  if (e.keyword === 'oneOf') return 'must be a text, or an object of texts per language (or, for matchers, a list of values or a comparison like {gte: 3})';
  return e.message ?? 'is invalid';
}

/** Ajv reports a failed oneOf with each branch's errors too; the branch errors only confuse. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const kept = errors.filter((e) => e.keyword === 'oneOf' || !oneOfPaths.some((p) => e.instancePath.startsWith(p) && e.schemaPath.includes('/oneOf/')));
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function segmentsOf(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `rules[2].when.channel` style, as people read it. */
function pointer(segments: Array<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Source offset of the node at `segments` (of its key when `key`), else of the nearest existing parent. */
function offsetOf(doc: Document, segments: Array<string | number>, key: boolean): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (const [i, segment] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      if (key && i === segments.length - 1) return (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment] as Node | null;
    } else {
      return offset;
    }
    if (!node?.range) return offset;
    offset = node.range[0];
  }
  return offset;
}

/** Where the first alias is (the usual culprit when resolving fails), else the start. */
function aliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
