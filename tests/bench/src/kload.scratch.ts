import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
const broker = process.env.BROKER ?? '127.0.0.1:9192'; const pid = Number(process.env.KPID); const rate = Number(process.env.RATE ?? 200); const secs = Number(process.env.SECS ?? 30);
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function main() {
  const kafka = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING }); const topic = `kload-${Date.now()}`; const out = `${topic}-out`;
  const admin = kafka.admin(); await admin.connect(); await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }, { topic: out, numPartitions: 1 }] }); await admin.disconnect();
  const producer = kafka.producer({ idempotent: true }); await producer.connect();
  const relayProducer = kafka.producer({ idempotent: true }); await relayProducer.connect();
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 200 }); await consumer.connect(); await consumer.subscribe({ topic, fromBeginning: true });
  let got = 0;
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch, resolveOffset }) => { await relayProducer.send({ topic: out, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) }); for (const m of batch.messages) resolveOffset(m.offset); got += batch.messages.length; await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]); } });
  await new Promise((r) => setTimeout(r, 3000));
  const value = Buffer.alloc(600, 'x'); const c0 = cpu(); const t0 = Date.now(); const total = rate * secs; const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) { const w = t0 + (i * 1000) / rate - Date.now(); if (w > 0) await new Promise((r) => setTimeout(r, w)); inflight.push(producer.send({ topic, acks: -1, messages: [{ key: String(i % 50), value }] })); }
  await Promise.all(inflight); while (got < total) await new Promise((r) => setTimeout(r, 50));
  const c1 = cpu(); console.log(JSON.stringify({ rate, total, brokerCpuMsPerMsg: ((c1 - c0) / total).toFixed(3), brokerCpuPct: ((100 * (c1 - c0)) / (Date.now() - t0)).toFixed(1) }));
  await consumer.disconnect(); await producer.disconnect(); await relayProducer.disconnect();
}
main().catch((e) => { console.error(e); process.exit(1); });
