import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
async function main() {
  const kafka = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin(); await admin.connect(); await admin.createTopics({ topics: [{ topic: 'bare.raw', numPartitions: 3 }] }).catch(() => {}); await admin.disconnect();
  const producer = kafka.producer({ idempotent: true }); await producer.connect();
  createServer((req, res) => {
    const chunks: Buffer[] = []; req.on('data', (c) => chunks.push(c)); req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const sig = createHmac('sha256', 'bench-meta-app-secret').update(body).digest('hex');
      if (req.url?.startsWith('/health')) { res.end('ok'); return; }
      void sig; const parsed = JSON.parse(body.toString()); 
      await producer.send({ topic: 'bare.raw', acks: -1, messages: [{ key: String(parsed.entry?.[0]?.id ?? 'x'), value: body }] });
      res.writeHead(200, { 'content-type': 'text/plain' }); res.end('EVENT_RECEIVED');
    });
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
main();
