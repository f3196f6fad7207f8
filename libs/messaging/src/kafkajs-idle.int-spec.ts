/**
 * An idle kafkajs consumer must leave the event loop idle.
 *
 * kafkajs 2.2.4 re-arms a ~1 ms timer in RequestQueue.scheduleCheckPendingRequests whenever nothing
 * is pending (tulios/kafkajs#1556), so every broker connection spins at ~1 000 wake-ups a second
 * for as long as the client lives. We patch it (patches/kafkajs+2.2.4.patch, applied by
 * patch-package on install; see docs/operations.md "kafkajs patch (idle CPU)"). This spec fails
 * when the patch is missing.
 *
 * It counts timer creations (async_hooks `Timeout` inits) rather than CPU time: a count is immune
 * to how loaded the machine is, and every wake-up of that loop is one new Timeout.
 */
import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { testEnv, waitFor } from '@omni/testing';

const SETTLE_MS = 3_000;
const MEASURE_MS = 3_000;
/** Patched: a handful per second (fetch long-poll, heartbeats). Unpatched: ~1 000 per connection. */
const MAX_TIMERS_PER_SECOND = 50;

/** Counts timers created while `during` runs, with the creating call sites of the first few. */
async function countTimers(during: () => Promise<void>): Promise<{ count: number; sites: Map<string, number> }> {
  let count = 0;
  const sites = new Map<string, number>();
  const hook = createHook({
    init(_asyncId, type) {
      if (type !== 'Timeout') return;
      count++;
      if (count > 200) return; // enough to say where they come from
      const frame = (new Error().stack ?? '')
        .split('\n')
        .slice(1)
        .find((line) => !line.includes('node:') && !line.includes('kafkajs-idle.int-spec'));
      const site = frame?.trim().replace(/^at /, '').replace(/\(.*node_modules\//, '(') ?? 'unknown';
      sites.set(site, (sites.get(site) ?? 0) + 1);
    },
  });
  hook.enable();
  try {
    await during();
  } finally {
    hook.disable();
  }
  return { count, sites };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('kafkajs idle consumer (patches/kafkajs+2.2.4.patch, tulios/kafkajs#1556)', () => {
  const env = testEnv();
  const topic = `${env.topicPrefix}kafkajs-idle-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'kafkajs-idle-test', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }, 30_000);

  it(`wakes the event loop fewer than ${MAX_TIMERS_PER_SECOND} times a second while subscribed to an empty topic`, async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    consumer = kafka.consumer({ groupId: `kafkajs-idle-${randomUUID()}` });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor(() => joined, { description: 'consumer to join its group', timeoutMs: 30_000 });
    // Let the first fetches, offset lookups and heartbeats happen; from here on it only waits.
    await sleep(SETTLE_MS);

    const started = process.hrtime.bigint();
    const { count, sites } = await countTimers(() => sleep(MEASURE_MS));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const perSecond = count / seconds;

    const top = [...sites.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([site, n]) => `  ${n}× ${site}`)
      .join('\n');
    process.stdout.write(`[kafkajs-idle] ${count} timers in ${seconds.toFixed(2)} s = ${perSecond.toFixed(1)}/s\n${top}\n`);
    if (perSecond >= MAX_TIMERS_PER_SECOND) {
      throw new Error(
        `idle kafkajs consumer created ${perSecond.toFixed(0)} timers/s (limit ${MAX_TIMERS_PER_SECOND}); is ` +
          `patches/kafkajs+2.2.4.patch applied (npx patch-package)? Created by:\n${top}`,
      );
    }
    expect(perSecond).toBeLessThan(MAX_TIMERS_PER_SECOND);
  }, 90_000);
});
