import { createHash } from 'node:crypto';

/**
 * A fixed single-threaded workload (hashing, JSON, a Map), timed: how fast this machine runs
 * plain computation at this moment. The reference box is a VM whose speed drifts (the same
 * gateway code measured 2.7 and 4.3 ms of CPU per webhook half an hour apart, with no steal time
 * reported): two reports with different canaries ran on a faster and a slower machine. The
 * converse does not hold: drift in the kernel's network path need not show in the canary.
 */
export function cpuCanary(runs = 7): { medianMs: number; checksum: number } {
  let checksum = workload();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    checksum = workload();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, checksum };
}

const MiB = Buffer.alloc(1 << 20, 7);
const RECORD = { id: 'c0ffee', items: [1, 2, 3], text: 'x'.repeat(100), nested: { score: 1.5 } };

function workload(): number {
  const hash = createHash('sha256');
  for (let i = 0; i < 20; i++) hash.update(MiB);
  let items = 0;
  for (let i = 0; i < 20_000; i++) items += (JSON.parse(JSON.stringify(RECORD)) as typeof RECORD).items.length;
  const keys = new Map<string, number>();
  for (let i = 0; i < 200_000; i++) keys.set(`k${i % 5_000}`, i);
  return hash.digest().readUInt32BE(0) + items + keys.size;
}
