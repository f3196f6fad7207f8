import fc from 'fast-check';
import type { FuzzTarget, SignMode } from './targets';

/** One fuzz request: which path, what bytes, which content type, how it is signed, and what kind of body it is. */
export interface FuzzCase {
  path: string;
  body: Buffer;
  contentType: string | undefined;
  sign: SignMode;
  kind: string;
}

/** Values providers never send but a signed body could hold: each one broke something once. */
const NASTY_JSON: readonly unknown[] = [
  1e30, 1e16, -1, 0, 1717171717512.3, 9e15, Number.MAX_SAFE_INTEGER + 2, -0.5,
  '1e20', '1717171717.0001', '9e15', '', ' ', '-1', 'NaN', '\u0000', '\ud800', '😀'.repeat(50), 'x'.repeat(20_000),
  { toString: 1 }, { valueOf: 1 }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } },
  [], {}, null, true, false, [[[[[[]]]]]], [null, 1, 'a', {}],
];

const NASTY_FORM: readonly string[] = ['', ' ', '9e15', '1e300', '-1', '10', '11', 'NaN', '+1', 'x'.repeat(20_000), '\u0000', '😀', '%zz', '&', '=', 'STOP', 'START', 'HELP'];

type Json = unknown;

/** Every path in a JSON value (arrays and objects included), root first, in a stable order. */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (out.length > 2_000) return out;
  if (Array.isArray(value)) value.forEach((item, i) => paths(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) paths((value as Record<string, Json>)[key], [...prefix, key], out);
  return out;
}

type Mutation = { at: number; op: 'replace' | 'delete' | 'duplicate' | 'wrap'; value: number; };

function mutateJson(root: Json, mutations: readonly Mutation[]): Json {
  let value = root;
  for (const m of mutations) {
    const all = paths(value);
    const path = all[m.at % all.length]!;
    // A copy: the same nasty object inserted twice, then mutated, would make the body circular.
    const replacement = structuredClone(NASTY_JSON[m.value % NASTY_JSON.length]);
    if (path.length === 0) {
      if (m.op === 'replace') value = replacement;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value) as Record<string | number, Json>;
    const key = path[path.length - 1]!;
    if (m.op === 'replace') parent[key] = replacement;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.op === 'duplicate' && Array.isArray(parent)) parent.push(parent[key as number]);
    else if (m.op === 'wrap') parent[key] = [parent[key]];
  }
  return value;
}

const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom<Mutation['op']>('replace', 'replace', 'replace', 'delete', 'duplicate', 'wrap'), value: fc.nat() });

function jsonBodies(target: FuzzTarget): fc.Arbitrary<{ body: Buffer; kind: string }> {
  const seeds = target.corpus.map((b) => JSON.parse(b.toString('utf8')) as Json);
  const seed = fc.nat({ max: seeds.length - 1 }).map((i) => structuredClone(seeds[i]));
  return fc.oneof(
    { weight: 10, arbitrary: fc.tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => ({ body: Buffer.from(JSON.stringify(mutateJson(s, ms)) ?? 'null'), kind: 'mutated' })) },
    { weight: 2, arbitrary: seed.map((s) => ({ body: Buffer.from(JSON.stringify(s)), kind: 'fixture' })) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((j) => ({ body: Buffer.from(j), kind: 'random-json' })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((b) => ({ body: Buffer.from(b), kind: 'random-bytes' })) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.constantFrom(100_000, 400_000, 600_000, 2_000_000)).map(([s, size]) => ({ body: Buffer.from(JSON.stringify({ ...(s as object), padding: 'p'.repeat(size) })), kind: `huge-${size}` })) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.constantFrom(63, 65, 1_000, 100_000)).map(([s, depth]) => ({ body: Buffer.from(JSON.stringify(s).replace(/^\{/, `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`)), kind: `nested-${depth}` })) },
  );
}

function formBodies(target: FuzzTarget): fc.Arbitrary<{ body: Buffer; kind: string }> {
  const seeds = target.corpus.map((b) => Array.from(new URLSearchParams(b.toString('utf8')).entries()));
  const seed = fc.nat({ max: seeds.length - 1 }).map((i) => seeds[i]!.map(([k, v]) => [k, v] as [string, string]));
  const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'replace', 'delete', 'repeat', 'add-media'), value: fc.nat() });
  const mutated = fc.tuple(seed, fc.array(edit, { minLength: 1, maxLength: 5 })).map(([pairs, edits]) => {
    for (const e of edits) {
      const i = pairs.length ? e.at % pairs.length : 0;
      const nasty = NASTY_FORM[e.value % NASTY_FORM.length]!;
      if (e.op === 'replace' && pairs[i]) pairs[i] = [pairs[i]![0], nasty];
      else if (e.op === 'delete') pairs.splice(i, 1);
      else if (e.op === 'repeat' && pairs[i]) pairs.push([pairs[i]![0], e.value % 2 ? pairs[i]![1] : nasty]);
      else if (e.op === 'add-media') pairs.push([`MediaUrl${e.value % 12}`, 'https://api.twilio.com/m'], ['NumMedia', nasty]);
    }
    return { body: Buffer.from(new URLSearchParams(pairs).toString()), kind: 'mutated' };
  });
  return fc.oneof(
    { weight: 10, arbitrary: mutated },
    { weight: 2, arbitrary: seed.map((pairs) => ({ body: Buffer.from(new URLSearchParams(pairs).toString()), kind: 'fixture' })) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((j) => ({ body: Buffer.from(j), kind: 'random-json' })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((b) => ({ body: Buffer.from(b), kind: 'random-bytes' })) },
    { weight: 1, arbitrary: fc.constantFrom(100_000, 600_000).map((size) => ({ body: Buffer.from(`MessageSid=SMhuge&From=%2B1415&To=%2B1415&Body=${'b'.repeat(size)}`), kind: `huge-${size}` })) },
  );
}

/** Requests for one gateway: mostly signed mutations of real bodies, some unsigned or wrongly signed, some wrong content types. */
export function fuzzCases(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      body: target.format === 'json' ? jsonBodies(target) : formBodies(target),
      path: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...target.paths) }, { weight: 1, arbitrary: fc.constantFrom(`${target.paths[0]}/x`, '/webhooks/nope') }),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant<string | undefined>(target.contentType) },
        { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json', 'application/x-www-form-urlencoded') },
      ),
      sign: fc.oneof({ weight: 6, arbitrary: fc.constant<SignMode>('valid') }, { weight: 1, arbitrary: fc.constantFrom<SignMode>('none', 'wrong') }),
    })
    .map(({ body, path, contentType, sign }) => ({ path, body: body.body, contentType, sign, kind: body.kind }));
}
