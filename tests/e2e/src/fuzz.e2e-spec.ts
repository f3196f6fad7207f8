import { writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { eventProblem, reasonOf, storableEvents, unreadableEvent } from '@omni/channel-sdk';
import { channelSlug, dlqTopicName, fromBinary, RawInboundSchema, timestampDate, Topics } from '@omni/contracts';
import { consumerGroupId, DLQ_HEADERS, headersToStrings } from '@omni/messaging';
import { readTopicRecords, testEnv, waitFor } from '@omni/testing';
import { PARSERS } from '../../../services/normalizer/src/domain/parsers';
import { startOmni, type Omni } from './harness';
import { fuzzGateway, sha256, type FuzzFigures } from './fuzz/run';
import { FUZZ_TARGETS } from './fuzz/targets';

/**
 * Property-based fuzzing of every gateway (fast-check), through the real services on real Kafka
 * and PostgreSQL: mutated provider bodies (nasty numbers, objects where strings go, deletions,
 * duplicates), random JSON and bytes, huge and deeply nested bodies, signed, unsigned and wrongly
 * signed, with right and wrong content types. Properties:
 * - never a 5xx, never a dropped connection, every gateway still live afterwards;
 * - nothing unsigned is accepted, and the raw topic holds exactly the signed bodies accepted;
 * - everything accepted is parsed without error and every event can be written, and the
 *   normalizer reads every raw record without a single DLQ record.
 * `npm test` runs OMNI_FUZZ_RUNS (default 60) bodies per gateway; `npm run fuzz` runs 10,000 and
 * prints the figures (tools/fuzz.mjs).
 */
const RUNS = Number(process.env.OMNI_FUZZ_RUNS ?? 60);
const SEED = Number(process.env.OMNI_FUZZ_SEED ?? 20261201);

describe(`gateway fuzzing (${RUNS} bodies per gateway, seed ${SEED})`, () => {
  let omni: Omni;
  let kafka: Kafka;
  const figures: FuzzFigures[] = [];
  const normalizer = { rawRecords: 0, dlq: 0, parseErrors: 0, lagMs: 0, parseFailures: [] as string[], dlqErrors: [] as string[] };

  beforeAll(async () => {
    omni = await startOmni([...FUZZ_TARGETS.map((t) => t.service), 'normalizer']);
    kafka = new Kafka({ brokers: testEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
  }, 180_000);

  afterAll(async () => {
    if (figures.length) printFigures(figures, normalizer);
    await omni?.stop();
  }, 60_000);

  async function endOffsets(topic: string): Promise<Map<number, number>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(`${omni.prefix}${topic}`)).map((p) => [p.partition, Number(p.high)]));
    } catch {
      return new Map();
    } finally {
      await admin.disconnect();
    }
  }

  async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [`${omni.prefix}${topic}`] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }

  it.each(FUZZ_TARGETS.map((t) => [t.service, t] as const))(
    '%s: no 5xx, no crash, nothing unsigned accepted',
    async (_name, target) => {
      const result = await fuzzGateway(omni.url(target.service), target, RUNS, SEED);
      figures.push(result);
      expect({ serverErrors: result.serverErrors, unsignedAccepted: result.unsignedAccepted, failures: result.failures }).toEqual({ serverErrors: 0, unsignedAccepted: 0, failures: [] });
      expect((await fetch(`${omni.url(target.service)}/health/live`)).status).toBe(200);
      expect(result.accepted).toBeGreaterThan(0); // the fuzz reached the raw topic, not only the refusals
    },
    Math.max(120_000, RUNS * 100),
  );

  it(
    'the raw topic holds exactly the signed bodies accepted; each is parsed without error; the normalizer reads them all with nothing dead-lettered',
    async () => {
      const accepted = figures.reduce((sum, f) => sum + f.accepted, 0);
      const hashes = new Set(figures.flatMap((f) => [...f.acceptedHashes]));
      const ends = await endOffsets(Topics.inboundRaw.name);
      normalizer.rawRecords = [...ends.values()].reduce((a, b) => a + b, 0);
      expect(normalizer.rawRecords).toBe(accepted);

      const records = await readTopicRecords(testEnv().kafkaBrokers, `${omni.prefix}${Topics.inboundRaw.name}`, accepted, 120_000);
      for (const record of records) {
        const raw = fromBinary(RawInboundSchema, record.value!);
        expect(hashes.has(sha256(raw.body))).toBe(true);
        try {
          const events = PARSERS.get(raw.channel)!.parse({
            accountId: raw.accountId,
            body: Buffer.from(raw.body),
            contentType: raw.contentType,
            webhookPath: raw.webhookPath,
            receivedAt: raw.receivedAt ? timestampDate(raw.receivedAt) : new Date(),
            headers: raw.headers,
          });
          // As the normalizer does: storable events only, the rest kept as unreadable; then nothing may be left unstorable.
          const fallback = (bad: unknown, reason: string) => unreadableEvent({ channel: raw.channel, accountId: raw.accountId, providerType: 'event', json: bad, receivedAt: new Date(), reason });
          const problem = storableEvents(events, fallback).map(eventProblem).find((p) => p !== undefined);
          if (problem) throw new Error(problem);
        } catch (err) {
          normalizer.parseErrors++;
          if (normalizer.parseFailures.length < 10) normalizer.parseFailures.push(`${channelSlug(raw.channel)}: ${reasonOf(err)}`);
        }
      }
      expect(normalizer.parseFailures).toEqual([]);

      const started = Date.now();
      const group = consumerGroupId({ topicPrefix: omni.prefix, service: 'normalizer' });
      await waitFor(
        async () => {
          const done = await committed(group, Topics.inboundRaw.name);
          return [...ends].every(([partition, end]) => end === 0 || (done.get(partition) ?? -1) >= end) || undefined;
        },
        { timeoutMs: Math.max(60_000, accepted * 50), intervalMs: 250, description: 'the normalizer read every raw record' },
      );
      normalizer.lagMs = Date.now() - started;
      normalizer.dlq = [...(await endOffsets(dlqTopicName(Topics.inboundRaw.name))).values()].reduce((a, b) => a + b, 0);
      if (normalizer.dlq > 0) {
        // Say why: the DLQ headers carry the (scrubbed) error of each parked record.
        const parked = await readTopicRecords(testEnv().kafkaBrokers, `${omni.prefix}${dlqTopicName(Topics.inboundRaw.name)}`, normalizer.dlq);
        normalizer.dlqErrors = parked.map((r) => headersToStrings(r.headers)[DLQ_HEADERS.error] ?? '?');
      }
      expect({ dlq: normalizer.dlq, errors: normalizer.dlqErrors }).toEqual({ dlq: 0, errors: [] });
    },
    Math.max(180_000, RUNS * 200),
  );
});

function printFigures(figures: FuzzFigures[], normalizer: { rawRecords: number; dlq: number; parseErrors: number; lagMs: number }): void {
  const rows = figures.map((f) => ({
    gateway: f.service,
    bodies: f.bodies,
    signed: f.signed,
    unsigned: f.unsigned,
    accepted: f.accepted,
    '5xx': f.serverErrors,
    unsignedAccepted: f.unsignedAccepted,
    statuses: Object.entries(f.statuses).sort().map(([s, n]) => `${s}:${n}`).join(' '),
    'bodies/s': Math.round((f.bodies * 1000) / Math.max(1, f.ms)),
    kinds: Object.entries(f.kinds).sort().map(([k, n]) => `${k}:${n}`).join(' '),
  }));
  const summary = { seed: SEED, runsPerGateway: RUNS, gateways: rows, normalizer };
  if (process.env.OMNI_FUZZ_REPORT) writeFileSync(process.env.OMNI_FUZZ_REPORT, JSON.stringify(summary, null, 2));
  process.stdout.write(`\nfuzz figures (seed ${SEED}, ${RUNS} bodies per gateway)\n`);
  for (const r of rows) process.stdout.write(`  ${JSON.stringify(r)}\n`);
  process.stdout.write(`  normalizer: ${JSON.stringify(normalizer)}\n`);
}
