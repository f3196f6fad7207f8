/** What kafkajs's eachBatch payload offers to commit explicit offsets (`commitOffsetsIfNecessary`). */
export type CommitOffsets = (offsets: { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }) => Promise<void>;

/**
 * Group commit of consumed offsets: batches mark their partition done and go on; one OffsetCommit
 * request carries every partition marked within `intervalMs`, instead of one request (and one
 * broker round trip the partition waits for) per batch.
 *
 * Why this is safe: effects are idempotent through the inbox, so an offset committed later (or
 * never, on a crash) only means records come again and are recognised as duplicates. The cost is
 * the redelivery window on a crash: at most `intervalMs` of records. A shutdown still drains:
 * the consumer flushes before leaving its group, and batches finishing during shutdown commit at
 * once. A failed commit (a rebalance under way) is reported and dropped, not retried: the new
 * owner of those partitions redoes the records, which the inbox absorbs.
 */
export class OffsetCommitter {
  /** topic → partition → next offset to consume (the committed offset), highest marked so far. */
  private readonly pending = new Map<string, Map<number, bigint>>();
  private commit?: CommitOffsets;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly onFailure: (error: Error, topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>) => void,
  ) {}

  /** False with an interval of 0: the owner flushes after each batch itself. */
  get deferred(): boolean {
    return this.intervalMs > 0;
  }

  /** Everything before `nextOffset` of the partition is done; committed within `intervalMs`. */
  mark(commit: CommitOffsets, topic: string, partition: number, nextOffset: bigint): void {
    this.commit = commit; // any batch's function commits for the whole group
    let partitions = this.pending.get(topic);
    if (!partitions) this.pending.set(topic, (partitions = new Map()));
    const known = partitions.get(partition);
    if (known === undefined || nextOffset > known) partitions.set(partition, nextOffset);
    if (this.intervalMs > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Commits everything marked so far in one request; flushes run one after the other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.commitPending());
    return this.flushing;
  }

  /** Forgets what is marked (partitions reassigned by a rebalance: their new owner redoes it). */
  discard(): void {
    this.pending.clear();
  }

  /** Stops the timer; what is still marked is dropped (call flush() first to keep it). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private async commitPending(): Promise<void> {
    if (!this.pending.size || !this.commit) return;
    const topics = [...this.pending].map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    }));
    this.pending.clear();
    try {
      await this.commit({ topics });
    } catch (err) {
      this.onFailure(err as Error, topics);
    }
  }
}
