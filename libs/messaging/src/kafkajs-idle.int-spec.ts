/**
 * An idle kafkajs consumer must leave the event loop idle.
 *
 * kafkajs 2.2.4 re-arms a ~1 ms timer in RequestQueue.scheduleCheckPendingRequests whenever nothing
 * is pending (tulios/kafkajs#1556), so every broker connection spins at ~1 000 wake-ups a second
 * for as long as the client lives. We patch it (patches/kafkajs+2.2.4.patch, applied by
 * patch-package on install; see docs/operations.md "kafkajs patch (idle CPU)"). This spec fails
 * when the patch is missing.
 *
 * A second patch in the same file replaces the 100 ms request-timeout interval that every connected
 * broker connection kept (ten wake-ups a second per connection, idle or not) by one timer at the
 * earliest in-flight deadline.
 *
 * It counts timer callbacks (async_hooks `before` on `Timeout` resources, which also fires on each
 * repeat of a setInterval) rather than CPU time: a count is immune to how loaded the machine is.
 */
import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { testEnv, waitFor } from '@omni/testing';

const SETTLE_MS = 3_000;
const MEASURE_MS = 3_000;
/**
 * Patched: a few per second (the fetch long-poll's 1 s wait, heartbeats every 3 s). Unpatched: ~1 000
 * per connection from the pending-request loop, and 10 per connection from the timeout interval.
 */
const MAX_TIMER_RUNS_PER_SECOND = 8;

/**
 * Watches every timer created from now on (where it was created) and counts how often their
 * callbacks run while `measure` is on.
 */
function watchTimers() {
  const sites = new Map<number, string>();
  const runs = new Map<string, number>();
  let measuring = false;
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const frame = (new Error().stack ?? '')
        .split('\n')
        .slice(1)
        .find((line) => !line.includes('node:') && !line.includes('kafkajs-idle.int-spec'));
      sites.set(asyncId, frame?.trim().replace(/^at /, '').replace(/\(.*node_modules\//, '(') ?? 'unknown');
    },
    before(asyncId) {
      const site = measuring ? sites.get(asyncId) : undefined;
      if (site !== undefined) runs.set(site, (runs.get(site) ?? 0) + 1);
    },
    destroy(asyncId) {
      sites.delete(asyncId);
    },
  });
  hook.enable();
  return {
    async measure(during: () => Promise<void>) {
      measuring = true;
      try {
        await during();
      } finally {
        measuring = false;
        hook.disable();
      }
      return { count: [...runs.values()].reduce((a, b) => a + b, 0), sites: runs };
    },
    stop: () => hook.disable(),
  };
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

  it(`runs timers fewer than ${MAX_TIMER_RUNS_PER_SECOND} times a second while subscribed to an empty topic`, async () => {
    const timers = watchTimers(); // before connecting: the connections' own timers are made then
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
    // The test's own sleep is one of the timers; it runs once.
    const { count, sites } = await timers.measure(() => sleep(MEASURE_MS));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const perSecond = count / seconds;

    const top = [...sites.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([site, n]) => `  ${n}× ${site}`)
      .join('\n');
    process.stdout.write(`[kafkajs-idle] ${count} timer runs in ${seconds.toFixed(2)} s = ${perSecond.toFixed(1)}/s\n${top}\n`);
    if (perSecond >= MAX_TIMER_RUNS_PER_SECOND) {
      throw new Error(
        `idle kafkajs consumer ran ${perSecond.toFixed(0)} timers/s (limit ${MAX_TIMER_RUNS_PER_SECOND}); is ` +
          `patches/kafkajs+2.2.4.patch applied (npx patch-package)? Timers created at:\n${top}`,
      );
    }
    expect(perSecond).toBeLessThan(MAX_TIMER_RUNS_PER_SECOND);
  }, 90_000);
});
