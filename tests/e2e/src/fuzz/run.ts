import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { fuzzCases, type FuzzCase } from './bodies';
import type { FuzzTarget } from './targets';

/** What one gateway's fuzz run did, for the assertions and the printed figures. */
export interface FuzzFigures {
  service: string;
  bodies: number;
  signed: number;
  unsigned: number;
  /** HTTP status → count. */
  statuses: Record<string, number>;
  /** Signed bodies answered 2xx: each must be on the raw topic and be read by the normalizer. */
  accepted: number;
  serverErrors: number;
  /** Unsigned or wrongly signed bodies answered 2xx (must be 0). */
  unsignedAccepted: number;
  ms: number;
  /** Body kinds sent (mutated, fixture, random-json, huge-…, nested-…). */
  kinds: Record<string, number>;
  /** sha256 of every body accepted signed: the raw topic may hold these and nothing else. */
  acceptedHashes: Set<string>;
  /** A few failing cases, for the report. */
  failures: Array<{ status: number; kind: string; sign: string; path: string; bytes: number }>;
}

/** Requests in flight per gateway. */
const CONCURRENCY = 8;

export const sha256 = (body: Buffer | Uint8Array) => createHash('sha256').update(body).digest('hex');

async function send(baseUrl: string, target: FuzzTarget, c: FuzzCase): Promise<number> {
  const headers: Record<string, string> = { ...target.sign(c.sign, c.path, c.body) };
  if (c.contentType) headers['content-type'] = c.contentType;
  try {
    const response = await fetch(`${baseUrl}${c.path}`, { method: 'POST', headers, body: c.body });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // connection reset / crash: counted as a failure
  }
}

/**
 * Posts `runs` generated requests to one gateway (fast-check, seeded so a failure can be replayed)
 * and counts what came back. Never throws for a bad answer: the caller asserts on the figures, so
 * a long run reports every problem instead of stopping at the first.
 */
export async function fuzzGateway(baseUrl: string, target: FuzzTarget, runs: number, seed: number): Promise<FuzzFigures> {
  const figures: FuzzFigures = {
    service: target.service, bodies: 0, signed: 0, unsigned: 0, statuses: {}, accepted: 0, serverErrors: 0, unsignedAccepted: 0, ms: 0, kinds: {}, acceptedHashes: new Set(), failures: [],
  };
  const started = Date.now();
  const cases = fuzzCases(target);
  // Generated in chunks: huge bodies are MBs each, so 10,000 of them must not sit in memory at once.
  for (let done = 0, chunk = 0; done < runs; chunk++) {
    const samples = fc.sample(cases, { numRuns: Math.min(100, runs - done), seed: seed + chunk });
    done += samples.length;
    // A few requests in flight at once, as providers deliver: also exercises the produce batcher.
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < samples.length) await one(samples[next++]!);
    }));
  }
  figures.ms = Date.now() - started;
  return figures;

  async function one(c: FuzzCase): Promise<void> {
    const status = await send(baseUrl, target, c);
    figures.bodies++;
    figures.kinds[c.kind] = (figures.kinds[c.kind] ?? 0) + 1;
    figures.statuses[String(status)] = (figures.statuses[String(status)] ?? 0) + 1;
    if (c.sign === 'valid') figures.signed++;
    else figures.unsigned++;
    const ok = status >= 200 && status < 300;
    const bad = status === 0 || status >= 500 || (ok && c.sign !== 'valid');
    if (status === 0 || status >= 500) figures.serverErrors++;
    if (ok && c.sign !== 'valid') figures.unsignedAccepted++;
    if (ok && c.sign === 'valid') {
      figures.accepted++;
      figures.acceptedHashes.add(sha256(c.body));
    }
    if (bad && figures.failures.length < 10) figures.failures.push({ status, kind: c.kind, sign: c.sign, path: c.path, bytes: c.body.length });
  }
}
