/**
 * The whole inbound path on a real Kafka and PostgreSQL: signed Messenger webhook → 2xx (raw record
 * acknowledged by Kafka) → normalized → routed → assigned. Reports webhook latency, end-to-end
 * latency to the assignment event, throughput and memory.
 */
import { performance } from 'node:perf_hooks';
import { hmacHex } from '@omni/channel-sdk';
import { Topics } from '@omni/contracts';
import { KafkaTap, testEnv } from '@omni/testing';
import { startOmni, TEST_SECRETS } from '../../e2e/src/harness';
import { report, summarize } from './stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function main(): Promise<void> {
  const omni = await startOmni(['gateway-messenger', 'normalizer', 'router', 'window-policy', 'assignment']);
  const tap = await new KafkaTap(testEnv().kafkaBrokers, omni.prefix, [Topics.messageNormalized, Topics.conversationAssigned]).start();
  try {
    const agents = `${omni.url('assignment')}/agents`;
    for (let i = 0; i < 10; i++) {
      await fetch(`${agents}/bench-${i}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: `Agent ${i}`, capacity: 100 }) });
      await fetch(`${agents}/bench-${i}/presence`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'online' }) });
    }
    const url = `${omni.url('gateway-messenger')}/webhooks/messenger`;
    const sentAt = new Map<string, number>();
    const webhookMs: number[] = [];
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < MESSAGES) {
        const i = next++;
        const psid = `9${String(i).padStart(15, '0')}`;
        const body = JSON.stringify({ object: 'page', entry: [{ id: '1', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: '1' }, timestamp: Date.now(), message: { mid: `m_bench_${i}`, text: 'Where is my order?' } }] }] });
        const t0 = performance.now();
        sentAt.set(`m_bench_${i}`, Date.now());
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacHex('sha256', TEST_SECRETS.META_APP_SECRET, body)}` }, body });
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        webhookMs.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const acceptedIn = performance.now() - started;
    const deadline = Date.now() + 120_000;
    while (tap.all(Topics.conversationAssigned).length < MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const doneIn = performance.now() - started;

    const normalizedMs: number[] = [];
    const byConversation = new Map<string, string>();
    for (const r of tap.all(Topics.messageNormalized)) {
      const sent = sentAt.get(r.value.providerMessageId);
      if (sent) {
        normalizedMs.push(r.receivedAt - sent);
        byConversation.set(r.value.conversationId, r.value.providerMessageId);
      }
    }
    const assignedMs = tap
      .all(Topics.conversationAssigned)
      .map((r) => r.receivedAt - (sentAt.get(byConversation.get(r.value.conversationId) ?? '') ?? r.receivedAt));
    report(`inbound pipeline, ${MESSAGES} webhooks, ${CONCURRENCY} concurrent (ms)`, {
      'webhook → 2xx (raw on Kafka)': summarize(webhookMs),
      'webhook → normalized event': summarize(normalizedMs),
      'webhook → assigned event': summarize(assignedMs),
    });
    report('throughput and memory', {
      run: {
        'webhooks/s accepted': Math.round((MESSAGES / acceptedIn) * 1000),
        'assignments/s end-to-end': Math.round((assignedMs.length / doneIn) * 1000),
        'assigned of sent': assignedMs.length,
        'rss MiB (5 services, 1 process)': Math.round(process.memoryUsage().rss / 2 ** 20),
        'heap used MiB': Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      },
    });
    if (assignedMs.length < MESSAGES) throw new Error(`only ${assignedMs.length}/${MESSAGES} conversations assigned within 120 s`);
  } finally {
    await tap.stop();
    await omni.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
