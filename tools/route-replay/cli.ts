/**
 * npm run route:replay -- --from <ISO time> --to <ISO time> [--examples N] [--url http://router:3202] draft.yaml
 *
 * What-if replay of a draft routing document over the router's recorded decisions of a time range:
 * prints how many conversations would change queue, priority or bot flow, with examples. It calls
 * the router's POST /routing/replay (ROUTER_URL, default http://localhost:3202) with OMNI_TOKEN
 * (an admin or supervisor bearer token); the router reads only, so nothing is published.
 * Exit codes: 0 done, 1 the draft or the range was refused (errors printed with their line), 2 usage.
 */
import { readFileSync } from 'node:fs';

interface Args {
  from?: string;
  to?: string;
  examples?: number;
  url: string;
  file?: string;
  json: boolean;
}

function parse(argv: string[]): Args {
  const args: Args = { url: process.env.ROUTER_URL ?? 'http://localhost:3202', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--from') args.from = argv[++i];
    else if (a === '--to') args.to = argv[++i];
    else if (a === '--examples') args.examples = Number(argv[++i]);
    else if (a === '--url') args.url = argv[++i];
    else if (a === '--json') args.json = true;
    else if (!a.startsWith('--')) args.file = a;
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    out((error as Error).message);
    return 2;
  }
  if (!args.from || !args.to || !args.file) {
    out('usage: npm run route:replay -- --from <ISO time> --to <ISO time> [--examples N] [--url URL] [--json] draft.yaml');
    return 2;
  }
  const token = process.env.OMNI_TOKEN;
  if (!token) {
    out('OMNI_TOKEN is not set (an admin or supervisor bearer token; npm start prints one)');
    return 2;
  }
  const document = readFileSync(args.file, 'utf8');
  const response = await fetch(`${args.url.replace(/\/$/, '')}/routing/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ document, from: args.from, to: args.to, examples: args.examples }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    out(`refused (${response.status}): ${String(body.detail ?? body.title ?? '')}`);
    for (const e of (body.errors as Array<{ field: string; line: number; column: number; message: string }> | undefined) ?? []) {
      out(e.line ? `  ${args.file}:${e.line}:${e.column} ${e.field}: ${e.message}` : `  ${e.field}: ${e.message}`);
    }
    return 1;
  }
  if (args.json) {
    out(JSON.stringify(body, null, 2));
    return 0;
  }
  const report = body as unknown as { decisions: number; conversations: number; changed: Record<string, number>; queueMoves: Record<string, number>; examples: Array<Record<string, unknown>>; truncated: boolean };
  out(`${report.decisions} decisions (${report.conversations} conversations) from ${args.from} to ${args.to}${report.truncated ? ' (truncated)' : ''}`);
  out(`would change: ${report.changed.any} decisions in ${report.changed.conversations} conversations (queue ${report.changed.queue}, priority ${report.changed.priority}, bot flow ${report.changed.botFlow})`);
  for (const [move, count] of Object.entries(report.queueMoves)) out(`  ${move}: ${count}`);
  for (const example of report.examples) out(`  e.g. ${JSON.stringify(example)}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
