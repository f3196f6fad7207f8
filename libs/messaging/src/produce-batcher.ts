import type { Producer } from 'kafkajs';
import { MAX_RECORD_BYTES, RecordTooLargeError } from './limits';

/** One record to produce: physical topic, key, encoded value and its final headers. */
export interface ProduceRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** What the batcher needs of a kafkajs producer (tests pass a double). */
export type BatchProducer = Pick<Producer, 'sendBatch'>;

export interface ProduceBatcherOptions {
  /**
   * How long the first record submitted to an idle batcher waits for company before its request
   * goes out (ms, default 1). Records submitted while a request is in flight never linger: they
   * go out together as soon as it is acknowledged. 0: no timer, only records submitted in the
   * same event-loop turn (and while a request is in flight) share a request.
   */
  lingerMs?: number;
  /** Most records in one produce request (default 500); the rest goes in the next request. */
  maxBatchRecords?: number;
  /** Most bytes (keys + values + headers, estimated) in one request (default 1 MiB). */
  maxBatchBytes?: number;
  /** Records submitted and not yet acknowledged beyond which submit() rejects (default 10,000). */
  maxPendingRecords?: number;
  /** Largest single record (estimated bytes); submit() rejects larger ones with RecordTooLargeError. */
  maxRecordBytes?: number;
  /** Called when a request goes out (records per topic), e.g. for a batch-size histogram. */
  onRequest?: (records: number, perTopic: ReadonlyMap<string, number>) => void;
  /** Called when a request was acknowledged (records per topic), e.g. for a published counter. */
  onAcked?: (records: number, perTopic: ReadonlyMap<string, number>) => void;
}

/**
 * Per-submission callbacks, called synchronously as the submission's records are settled (before
 * its promise settles): `acked(from, to)` for records [from, to) acknowledged by one request;
 * `failed(error, from)` once if the submission fails, records [from, n) then are not acknowledged.
 */
export interface SubmitHooks {
  acked?(from: number, to: number): void;
  failed?(error: unknown, from: number): void;
}

/** submit() refused: too many records are waiting. Retry later (answer 503 to an HTTP caller). */
export class ProduceQueueFullError extends Error {
  override name = 'ProduceQueueFullError';
  constructor(
    readonly pending: number,
    readonly submitted: number,
    readonly limit: number,
  ) {
    super(`Kafka produce queue full: ${pending} records pending, ${submitted} more would exceed ${limit}; retry later`);
  }
}

/** submit() after close(). */
export class ProduceBatcherClosedError extends Error {
  override name = 'ProduceBatcherClosedError';
  constructor() {
    super('Kafka producer is closing: no new records are accepted');
  }
}

export const PRODUCE_BATCHER_DEFAULTS = {
  lingerMs: 1,
  maxBatchRecords: 500,
  maxBatchBytes: 1024 * 1024,
  maxPendingRecords: 10_000,
} as const;

/** A submit() call: its records, how far they were taken into requests, how it ends. */
interface Submission {
  records: readonly ProduceRecord[];
  /** Estimated bytes of all its records. */
  bytes: number;
  /** Index of its first record not yet put into a request. */
  next: number;
  /** Index of its first record not yet acknowledged. */
  acked: number;
  /** Resolved or rejected (records of it not yet sent are then dropped). */
  settled: boolean;
  hooks: SubmitHooks | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** flush() callers waiting for this submission (only created by flush). */
  waiters?: Array<() => void>;
}

function refuse(error: Error, hooks: SubmitHooks | undefined): Promise<void> {
  try {
    hooks?.failed?.(error, 0);
  } catch {
    // hooks observe; they cannot change the outcome
  }
  return Promise.reject(error);
}

/** Calls a metrics hook; hooks observe, they can neither stop a request nor fail an acknowledged one. */
function observe(hook: ProduceBatcherOptions['onRequest'], records: number, perTopic: ReadonlyMap<string, number>): void {
  try {
    hook?.(records, perTopic);
  } catch {
    // ignored, see above
  }
}

/** A slice [from, to) of a submission's records inside one request. */
interface Slice {
  submission: Submission;
  from: number;
  to: number;
}

const RECORD_OVERHEAD_BYTES = 70; // Kafka record + header framing, roughly

/** Estimated wire size of a record (string lengths count as bytes: close enough for a limit). */
export function estimateRecordBytes(record: ProduceRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + record.key.length + record.value.length;
  const headers = record.headers;
  for (const name in headers) bytes += name.length + headers[name]!.length + 2;
  return bytes;
}

/**
 * Coalesces concurrent produce calls into few requests. The service's producer is idempotent with
 * one request in flight, so without this every concurrent caller waits one broker round trip per
 * caller ahead of it. Here everything submitted while a request is in flight (plus a linger of at
 * most a millisecond or two) goes out as ONE `sendBatch` (acks=all), grouped by topic and bounded
 * by `maxBatchRecords`/`maxBatchBytes`.
 *
 * Guarantees:
 * - a submission's promise resolves only after every one of its records was acknowledged, and
 *   rejects (with the request's error) if any request holding its records fails; records of it not
 *   yet sent are then dropped, never sent later. No record is acknowledged to a caller unless the
 *   request that carried it was.
 * - FIFO: requests go out one at a time, records in submission order, so per-key (per-partition)
 *   order is the order of submit() calls and of records within a call.
 * - a submission is not split across requests unless it alone exceeds a request's limits (an
 *   outbox batch of a few hundred records stays one request).
 * - bounded: beyond `maxPendingRecords` not-yet-acknowledged records submit() rejects with
 *   ProduceQueueFullError.
 * - close() stops intake and resolves once everything submitted before it settled.
 */
export class ProduceBatcher {
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly maxPendingRecords: number;
  private readonly maxRecordBytes: number;
  private readonly queue: Submission[] = [];
  /** Index of the queue's head (the queue is compacted lazily, so shift() is not O(n)). */
  private head = 0;
  private pendingRecords = 0;
  private inFlight = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private closed = false;
  /** The latest submission, the one flush() waits for. */
  private tail: Submission | undefined;

  constructor(
    private readonly producer: () => Promise<BatchProducer> | BatchProducer,
    private readonly options: ProduceBatcherOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? PRODUCE_BATCHER_DEFAULTS.lingerMs;
    this.maxBatchRecords = options.maxBatchRecords ?? PRODUCE_BATCHER_DEFAULTS.maxBatchRecords;
    this.maxBatchBytes = options.maxBatchBytes ?? PRODUCE_BATCHER_DEFAULTS.maxBatchBytes;
    this.maxPendingRecords = options.maxPendingRecords ?? PRODUCE_BATCHER_DEFAULTS.maxPendingRecords;
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
    if (!(this.lingerMs >= 0 && this.lingerMs <= 1000)) throw new RangeError(`lingerMs must be 0…1000, got ${this.lingerMs}`);
    if (!(this.maxBatchRecords >= 1)) throw new RangeError(`maxBatchRecords must be ≥ 1, got ${this.maxBatchRecords}`);
    if (!(this.maxBatchBytes >= 1)) throw new RangeError(`maxBatchBytes must be ≥ 1, got ${this.maxBatchBytes}`);
    if (!(this.maxPendingRecords >= 1)) throw new RangeError(`maxPendingRecords must be ≥ 1, got ${this.maxPendingRecords}`);
  }

  /** Records submitted and not yet settled (queued or in flight). */
  get pending(): number {
    return this.pendingRecords;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queues records for the next request. Resolves once all of them were acknowledged (acks=all);
   * rejects with the error of the request that failed, or at once when the queue is full or the
   * batcher is closed. The records and their headers must not be changed afterwards.
   */
  submit(records: readonly ProduceRecord[], hooks?: SubmitHooks): Promise<void> {
    const count = records.length;
    if (this.closed) return refuse(new ProduceBatcherClosedError(), hooks);
    if (!count) return Promise.resolve();
    if (this.pendingRecords + count > this.maxPendingRecords) {
      return refuse(new ProduceQueueFullError(this.pendingRecords, count, this.maxPendingRecords), hooks);
    }
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const recordBytes = estimateRecordBytes(records[i]!);
      // The broker would refuse it after a round trip (MESSAGE_TOO_LARGE): refuse it here, typed.
      if (recordBytes > this.maxRecordBytes) return refuse(new RecordTooLargeError(recordBytes, this.maxRecordBytes), hooks);
      bytes += recordBytes;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const submission: Submission = { records, bytes, next: 0, acked: 0, settled: false, hooks, resolve, reject };
    this.queue.push(submission);
    this.tail = submission;
    this.pendingRecords += count;
    this.schedule();
    return promise;
  }

  /**
   * Sends whatever is queued without waiting for the linger, and resolves once every submission
   * made before this call has settled (acknowledged or failed). Never rejects.
   */
  flush(): Promise<void> {
    const target = this.tail;
    if (!target || target.settled) return Promise.resolve();
    this.sendNow();
    return new Promise<void>((resolve) => (target.waiters ??= []).push(resolve));
  }

  /**
   * Stops accepting records (submit() then rejects with ProduceBatcherClosedError) and flushes.
   * Call it before disconnecting the producer.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private schedule(): void {
    if (this.inFlight) return; // the request in flight sends the queue when it is acknowledged
    // Idle, so everything pending is queued: a full request goes out without lingering.
    if (this.pendingRecords >= this.maxBatchRecords) return this.sendNow();
    if (this.timer || this.immediate) return;
    if (this.lingerMs > 0) this.timer = setTimeout(this.onTimer, this.lingerMs);
    else this.immediate = setImmediate(this.onTimer);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.drain();
  };

  private sendNow(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    this.drain();
  }

  /** Takes the next request's worth of records off the queue and sends it, if idle. */
  private drain(): void {
    if (this.inFlight) return;
    const slices = this.take();
    if (!slices.length) return;
    this.inFlight = true;
    void this.send(slices);
  }

  private take(): Slice[] {
    const slices: Slice[] = [];
    let records = 0;
    let bytes = 0;
    while (this.head < this.queue.length) {
      const submission = this.queue[this.head]!;
      if (submission.settled) {
        // failed while partly sent: its remaining records are dropped
        this.dequeue();
        continue;
      }
      const total = submission.records.length;
      if (submission.next === 0) {
        const fits = records + total <= this.maxBatchRecords && bytes + submission.bytes <= this.maxBatchBytes;
        if (fits) {
          slices.push({ submission, from: 0, to: total });
          submission.next = total;
          records += total;
          bytes += submission.bytes;
          this.dequeue();
          continue;
        }
        // Does not fit: it starts the next request rather than being split, unless it is too
        // big for any request.
        if (records > 0) break;
      }
      // Split: take records one by one up to the limits (at least one per request).
      const from = submission.next;
      let to = from;
      while (to < total) {
        const size = estimateRecordBytes(submission.records[to]!);
        if (records > 0 && (records + 1 > this.maxBatchRecords || bytes + size > this.maxBatchBytes)) break;
        records++;
        bytes += size;
        to++;
      }
      if (to > from) slices.push({ submission, from, to });
      submission.next = to;
      if (to < total) break; // request full
      this.dequeue();
    }
    return slices;
  }

  private dequeue(): void {
    this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private async send(slices: Slice[]): Promise<void> {
    let error: unknown;
    let ok = false;
    let count = 0;
    const perTopic = new Map<string, number>();
    try {
      const byTopic = new Map<string, ProduceRecord[]>();
      for (const { submission, from, to } of slices) {
        const records = submission.records;
        for (let i = from; i < to; i++) {
          const record = records[i]!;
          let list = byTopic.get(record.topic);
          if (!list) byTopic.set(record.topic, (list = []));
          list.push(record);
        }
        count += to - from;
      }
      const topicMessages = [];
      for (const [topic, messages] of byTopic) {
        perTopic.set(topic, messages.length);
        // ProduceRecord is a kafkajs Message (key, value, headers) plus its topic, which kafkajs ignores.
        topicMessages.push({ topic, messages });
      }
      observe(this.options.onRequest, count, perTopic);
      const producer = await this.producer();
      await producer.sendBatch({ acks: -1, topicMessages });
      ok = true;
    } catch (err) {
      error = err ?? new Error('produce request failed');
    }
    if (ok) observe(this.options.onAcked, count, perTopic);
    for (const slice of slices) {
      if (ok) this.ack(slice);
      else this.fail(slice.submission, error);
    }
    this.inFlight = false;
    this.drain();
  }

  private ack({ submission, from, to }: Slice): void {
    if (submission.settled) return;
    submission.acked = to;
    this.pendingRecords -= to - from;
    try {
      submission.hooks?.acked?.(from, to);
    } catch {
      // hooks observe; they cannot change the outcome
    }
    if (to === submission.records.length) this.settle(submission, undefined, true);
  }

  private fail(submission: Submission, error: unknown): void {
    if (submission.settled) return;
    // Its records in this request and any not yet sent are released (the latter are dropped).
    this.pendingRecords -= submission.records.length - submission.acked;
    try {
      submission.hooks?.failed?.(error, submission.acked);
    } catch {
      // see ack()
    }
    this.settle(submission, error, false);
  }

  private settle(submission: Submission, error: unknown, ok: boolean): void {
    submission.settled = true;
    if (ok) submission.resolve();
    else submission.reject(error);
    if (submission.waiters) for (const waiter of submission.waiters) waiter();
    if (this.tail === submission) this.tail = undefined;
  }
}
