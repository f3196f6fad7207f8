import { setTimeout as sleep } from 'node:timers/promises';
import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { PRODUCE_BATCHER_DEFAULTS, ProduceBatcher, ProduceBatcherClosedError, ProduceQueueFullError, type BatchProducer, type ProduceRecord } from './produce-batcher';
import { MAX_RECORD_BYTES, RAW_TOPIC_MAX_MESSAGE_BYTES, RecordTooLargeError, WEBHOOK_BODY_LIMIT_BYTES } from './limits';

/**
 * A stand-in for kafkajs's Producer (the batcher's collaborator, not infrastructure): records each
 * sendBatch request and lets the test decide when (and whether) the broker answers.
 */
class FakeProducer implements BatchProducer {
  readonly requests: Array<{ batch: ProducerBatch; ack: () => void; fail: (error: Error) => void; settled: boolean }> = [];
  /** Answer every request at once (after a microtask) instead of waiting for ack()/fail(). */
  autoAck = false;

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => {
      const request = {
        batch,
        settled: false,
        ack: () => {
          request.settled = true;
          resolve([]);
        },
        fail: (error: Error) => {
          request.settled = true;
          reject(error);
        },
      };
      this.requests.push(request);
      if (this.autoAck) queueMicrotask(request.ack);
    });
  }

  /** The records of request i as "topic/key", in request order. */
  keysOf(i: number): string[] {
    return this.requests[i]!.batch.topicMessages!.flatMap((t) => t.messages.map((m) => `${t.topic}/${String(m.key)}`));
  }

  get last() {
    return this.requests[this.requests.length - 1]!;
  }
}

function rec(key: string, topic = 't', valueBytes = 10): ProduceRecord {
  return { topic, key, value: Buffer.alloc(valueBytes), headers: { ce_id: key } };
}

/** Resolves once the promise settled; tells how. */
function outcome(promise: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const result: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (result.state = 'resolved'),
    (error) => Object.assign(result, { state: 'rejected', error }),
  );
  return result;
}

const tick = () => sleep(0);
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_500; i++) {
    if (condition()) return;
    await sleep(2);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('ProduceBatcher', () => {
  let producer: FakeProducer;
  beforeEach(() => (producer = new FakeProducer()));

  it('coalesces everything submitted while a request is in flight into the next request, acks=all', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    const first = outcome(batcher.submit([rec('a')]));
    await until(() => producer.requests.length === 1, 'first request');
    expect(producer.requests[0]!.batch.acks).toBe(-1);

    const during = Array.from({ length: 20 }, (_, i) => outcome(batcher.submit([rec(`b${i}`)])));
    await tick();
    expect(producer.requests).toHaveLength(1); // one request in flight at a time
    producer.requests[0]!.ack();
    await until(() => producer.requests.length === 2, 'second request');
    expect(first.state).toBe('resolved');
    expect(during.every((o) => o.state === 'pending')).toBe(true); // only after THEIR request
    expect(producer.keysOf(1)).toEqual(during.map((_, i) => `t/b${i}`));
    producer.requests[1]!.ack();
    await until(() => during.every((o) => o.state === 'resolved'), 'all resolved');
    expect(producer.requests).toHaveLength(2);
    expect(batcher.pending).toBe(0);
  });

  it('lingers up to lingerMs for company when idle, then sends one request', async () => {
    // Long enough that a loaded CI machine cannot stretch the 5 ms wait past it.
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 500 });
    producer.autoAck = true;
    const a = batcher.submit([rec('a')]);
    await sleep(5);
    const b = batcher.submit([rec('b')]);
    expect(producer.requests).toHaveLength(0);
    await Promise.all([a, b]);
    expect(producer.requests).toHaveLength(1);
    expect(producer.keysOf(0)).toEqual(['t/a', 't/b']);
  });

  it('with lingerMs 0 sends what one event-loop turn submitted, without a timer', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    producer.autoAck = true;
    await Promise.all([batcher.submit([rec('a')]), batcher.submit([rec('b')])]);
    await batcher.submit([rec('c')]);
    expect(producer.requests.map((_, i) => producer.keysOf(i))).toEqual([['t/a', 't/b'], ['t/c']]);
  });

  it('lingers: a record submitted a loop turn later still joins the request (default linger 1 ms)', async () => {
    expect(PRODUCE_BATCHER_DEFAULTS.lingerMs).toBe(1);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // A generous linger, so a loaded CI machine cannot make the turn outlast it.
    const lingering = new ProduceBatcher(() => producer, { lingerMs: 200 });
    producer.autoAck = true;
    const a = lingering.submit([rec('a')]);
    await turn();
    await Promise.all([a, lingering.submit([rec('b')])]);
    expect(producer.keysOf(0)).toEqual(['t/a', 't/b']);

    const eager = new FakeProducer();
    eager.autoAck = true;
    const noLinger = new ProduceBatcher(() => eager, { lingerMs: 0 });
    const c = noLinger.submit([rec('c')]);
    await turn();
    await Promise.all([c, noLinger.submit([rec('d')])]);
    expect(eager.requests.map((_, i) => eager.keysOf(i))).toEqual([['t/c'], ['t/d']]);
  });

  it('bounds requests by records and bytes; the rest goes in the next request, in order', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxBatchRecords: 3 });
    const block = outcome(batcher.submit([rec('x')]));
    await until(() => producer.requests.length === 1, 'blocking request');
    const singles = Array.from({ length: 7 }, (_, i) => outcome(batcher.submit([rec(`s${i}`)])));
    producer.requests[0]!.ack();
    await until(() => producer.requests.length === 2, 'request 2');
    expect(producer.keysOf(1)).toEqual(['t/s0', 't/s1', 't/s2']);
    producer.last.ack();
    await until(() => producer.requests.length === 3, 'request 3');
    expect(singles.slice(0, 3).map((o) => o.state)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(singles.slice(3).every((o) => o.state === 'pending')).toBe(true);
    expect(producer.keysOf(2)).toEqual(['t/s3', 't/s4', 't/s5']);
    producer.last.ack();
    await until(() => producer.requests.length === 4, 'request 4');
    expect(producer.keysOf(3)).toEqual(['t/s6']);
    producer.last.ack();
    await until(() => singles.every((o) => o.state === 'resolved'), 'all');
    expect(block.state).toBe('resolved');

    // Bytes: each record is ~70 + 1 + 1000 + 8 bytes; 2500 bytes hold two.
    const bytes = new FakeProducer();
    bytes.autoAck = true;
    const byBytes = new ProduceBatcher(() => bytes, { lingerMs: 0, maxBatchBytes: 2500 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => byBytes.submit([rec(k, 't', 1000)])));
    expect(bytes.requests.map((_, i) => bytes.keysOf(i).length)).toEqual([2, 2, 1]);
  });

  it('keeps a submission in one request when it fits one, splits it only when it alone is too big', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxBatchRecords: 4 });
    const block = batcher.submit([rec('x')]);
    await until(() => producer.requests.length === 1, 'blocking request');
    const small = outcome(batcher.submit([rec('a1'), rec('a2')]));
    const fits = outcome(batcher.submit([rec('b1'), rec('b2'), rec('b3')])); // 2 + 3 > 4: next request
    const big = outcome(batcher.submit(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((k) => rec(k)))); // > 4 alone: split
    producer.requests[0]!.ack();
    await block;
    const seen: string[][] = [];
    for (let i = 1; i <= 4; i++) {
      await until(() => producer.requests.length === i + 1, `request ${i + 1}`);
      seen.push(producer.keysOf(i));
      if (i === 3) expect(big.state).toBe('pending'); // first part acked, second not yet
      producer.last.ack();
    }
    expect(seen).toEqual([['t/a1', 't/a2'], ['t/b1', 't/b2', 't/b3'], ['t/c1', 't/c2', 't/c3', 't/c4'], ['t/c5', 't/c6']]);
    await until(() => big.state === 'resolved', 'big resolved');
    expect([small.state, fits.state]).toEqual(['resolved', 'resolved']);
  });

  it('groups a request by topic, keeping submission order within each topic', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    producer.autoAck = true;
    await Promise.all([
      batcher.submit([rec('k1', 'A'), rec('k1', 'B')]),
      batcher.submit([rec('k2', 'A')]),
      batcher.submit([rec('k1', 'A'), rec('k3', 'B')]),
    ]);
    expect(producer.requests).toHaveLength(1);
    const topics = producer.requests[0]!.batch.topicMessages!;
    expect(topics.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['A', ['k1', 'k2', 'k1']],
      ['B', ['k1', 'k3']],
    ]);
    expect(topics[0]!.messages[0]).toMatchObject({ key: 'k1', value: expect.any(Buffer), headers: { ce_id: 'k1' } });
  });

  it('preserves FIFO order per key across many requests', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxBatchRecords: 7 });
    producer.autoAck = true;
    const calls: Array<Promise<void>> = [];
    for (let i = 0; i < 100; i++) {
      calls.push(batcher.submit([rec(`k${i % 3}:${i}`)]));
      if (i % 10 === 0) await tick();
    }
    await Promise.all(calls);
    const sent = producer.requests.flatMap((_, i) => producer.keysOf(i));
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => `t/k${i % 3}:${i}`));
    expect(producer.requests.length).toBeLessThan(100);
  });

  it('rejects every caller of a failed request with its error, then carries on with the next', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    const block = outcome(batcher.submit([rec('x')]));
    await until(() => producer.requests.length === 1, 'request 1');
    const failing = [outcome(batcher.submit([rec('a')])), outcome(batcher.submit([rec('b'), rec('c')]))];
    producer.requests[0]!.ack();
    await until(() => producer.requests.length === 2, 'request 2');
    const later = outcome(batcher.submit([rec('d')]));
    const error = new Error('NOT_ENOUGH_REPLICAS');
    producer.requests[1]!.fail(error);
    await until(() => producer.requests.length === 3, 'request 3');
    expect(failing.map((o) => [o.state, o.error])).toEqual([
      ['rejected', error],
      ['rejected', error],
    ]);
    expect(block.state).toBe('resolved');
    expect(producer.keysOf(2)).toEqual(['t/d']); // failed records are not re-sent behind callers' backs
    producer.last.ack();
    await until(() => later.state === 'resolved', 'later resolved');
    expect(batcher.pending).toBe(0);
  });

  it('drops the unsent rest of a split submission whose earlier part failed', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxBatchRecords: 2 });
    const hooks = { acked: jest.fn(), failed: jest.fn() };
    const big = outcome(batcher.submit(['a', 'b', 'c', 'd', 'e'].map((k) => rec(k)), hooks));
    await until(() => producer.requests.length === 1, 'request 1');
    producer.last.ack();
    await until(() => producer.requests.length === 2, 'request 2');
    expect(hooks.acked).toHaveBeenCalledWith(0, 2);
    const after = outcome(batcher.submit([rec('z')]));
    const error = new Error('broker gone');
    producer.last.fail(error);
    await until(() => producer.requests.length === 3, 'request 3');
    expect(producer.keysOf(2)).toEqual(['t/z']); // 'e' is never sent
    expect(big).toEqual({ state: 'rejected', error });
    expect(hooks.failed).toHaveBeenCalledTimes(1);
    expect(hooks.failed).toHaveBeenCalledWith(error, 2); // records 2… were not acknowledged
    producer.last.ack();
    await until(() => after.state === 'resolved', 'after');
    expect(batcher.pending).toBe(0);
  });

  it('rejects when the producer cannot be had (broker down at connect)', async () => {
    const down = new Error('connect ECONNREFUSED');
    const batcher = new ProduceBatcher(() => Promise.reject(down), { lingerMs: 0 });
    await expect(batcher.submit([rec('a')])).rejects.toBe(down);
    expect(batcher.pending).toBe(0);
  });

  it('refuses input beyond maxPendingRecords with a clear error, and accepts again once acknowledged', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxPendingRecords: 5 });
    const accepted = [batcher.submit([rec('a'), rec('b')]), batcher.submit([rec('c'), rec('d'), rec('e')])];
    const hooks = { failed: jest.fn() };
    const refused = batcher.submit([rec('f')], hooks);
    await expect(refused).rejects.toBeInstanceOf(ProduceQueueFullError);
    await expect(refused).rejects.toThrow(/produce queue full: 5 records pending.*exceed 5/);
    expect(hooks.failed).toHaveBeenCalledWith(expect.any(ProduceQueueFullError), 0);
    await until(() => producer.requests.length === 1, 'request');
    producer.last.ack();
    await Promise.all(accepted);
    const again = batcher.submit([rec('f')]);
    await until(() => producer.requests.length === 2, 'request 2');
    producer.last.ack();
    await again;
  });

  it('flush() sends at once (no linger) and waits for everything submitted before it', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 1000 });
    const a = outcome(batcher.submit([rec('a')]));
    const flushed = outcome(batcher.flush());
    await until(() => producer.requests.length === 1, 'request without linger');
    const b = outcome(batcher.submit([rec('b')])); // after flush(): not waited for
    expect(flushed.state).toBe('pending');
    producer.last.ack();
    await until(() => flushed.state === 'resolved', 'flushed');
    expect(a.state).toBe('resolved');
    expect(b.state).toBe('pending');
    await expect(new ProduceBatcher(() => producer).flush()).resolves.toBeUndefined(); // nothing to wait for
    await until(() => producer.requests.length === 2, 'request 2');
    const flushedAgain = outcome(batcher.flush());
    producer.last.ack();
    await until(() => flushedAgain.state === 'resolved', 'second flush');
    expect(b.state).toBe('resolved');
  });

  it('close() stops intake and drains what is queued and in flight, failures included', async () => {
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    const inFlight = outcome(batcher.submit([rec('a')]));
    await until(() => producer.requests.length === 1, 'request 1');
    const queued = outcome(batcher.submit([rec('b')]));
    const closed = outcome(batcher.close());
    await expect(batcher.submit([rec('c')])).rejects.toBeInstanceOf(ProduceBatcherClosedError);
    producer.last.ack();
    await until(() => producer.requests.length === 2, 'queued record sent while closing');
    expect(closed.state).toBe('pending');
    producer.last.fail(new Error('boom'));
    await until(() => closed.state === 'resolved', 'closed');
    expect([inFlight.state, queued.state]).toEqual(['resolved', 'rejected']);
    expect(batcher.isClosed).toBe(true);
  });

  it('reports each request to onRequest and each acknowledged one to onAcked, per topic', async () => {
    const onRequest = jest.fn();
    const onAcked = jest.fn();
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, onRequest, onAcked });
    producer.autoAck = true;
    await Promise.all([batcher.submit([rec('a', 'A'), rec('b', 'B')]), batcher.submit([rec('c', 'A')])]);
    expect(onRequest).toHaveBeenCalledWith(3, new Map([['A', 2], ['B', 1]]));
    expect(onAcked).toHaveBeenCalledWith(3, new Map([['A', 2], ['B', 1]]));
    producer.autoAck = false;
    const failing = batcher.submit([rec('c', 'A')]);
    await until(() => producer.requests.length === 2, 'request 2');
    producer.last.fail(new Error('x'));
    await expect(failing).rejects.toThrow('x');
    expect(onRequest).toHaveBeenCalledTimes(2);
    expect(onAcked).toHaveBeenCalledTimes(1);
  });

  it('keeps going when a metrics hook throws', async () => {
    const batcher = new ProduceBatcher(() => producer, {
      lingerMs: 0,
      onRequest: () => {
        throw new Error('broken histogram');
      },
      onAcked: () => {
        throw new Error('broken counter');
      },
    });
    producer.autoAck = true;
    await expect(batcher.submit([rec('a')])).resolves.toBeUndefined();
    await expect(batcher.submit([rec('b')])).resolves.toBeUndefined();
    expect(producer.requests).toHaveLength(2);
  });

  it('validates its options', () => {
    expect(() => new ProduceBatcher(() => producer, { lingerMs: -1 })).toThrow(RangeError);
    expect(() => new ProduceBatcher(() => producer, { maxBatchRecords: 0 })).toThrow(RangeError);
    expect(() => new ProduceBatcher(() => producer, { maxPendingRecords: 0 })).toThrow(RangeError);
  });
});

describe('ProduceBatcher record size limit', () => {
  it('refuses a record larger than the limit with RecordTooLargeError, sending nothing of its submission', async () => {
    const producer = new FakeProducer();
    producer.autoAck = true;
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0, maxRecordBytes: 10_000 });
    const small: ProduceRecord = { topic: 't', key: 'k', value: Buffer.alloc(1_000), headers: {} };
    const big: ProduceRecord = { topic: 't', key: 'k', value: Buffer.alloc(20_000), headers: {} };
    await expect(batcher.submit([small, big])).rejects.toBeInstanceOf(RecordTooLargeError);
    await batcher.submit([small]);
    expect(producer.requests.map((r) => r.batch.topicMessages!.flatMap((t) => t.messages.length))).toEqual([[1]]);
  });

  it(`defaults to MAX_RECORD_BYTES (${MAX_RECORD_BYTES}), below the raw topic's max.message.bytes`, async () => {
    expect(MAX_RECORD_BYTES).toBeLessThan(RAW_TOPIC_MAX_MESSAGE_BYTES);
    expect(WEBHOOK_BODY_LIMIT_BYTES).toBeLessThan(MAX_RECORD_BYTES);
    const producer = new FakeProducer();
    producer.autoAck = true;
    const batcher = new ProduceBatcher(() => producer, { lingerMs: 0 });
    await expect(batcher.submit([{ topic: 't', key: 'k', value: Buffer.alloc(MAX_RECORD_BYTES), headers: {} }])).rejects.toBeInstanceOf(RecordTooLargeError);
  });
});
