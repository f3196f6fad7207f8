import { OffsetCommitter, type CommitOffsets } from './offset-committer';

describe('OffsetCommitter (group commit of consumed offsets)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function committer(intervalMs = 100) {
    const commits: Array<Parameters<CommitOffsets>[0]> = [];
    const commit = jest.fn<Promise<void>, Parameters<CommitOffsets>>(async (offsets) => void commits.push(offsets));
    const failures: string[] = [];
    const created = new OffsetCommitter(intervalMs, (err) => failures.push(err.message));
    return { created, commit, commits, failures };
  }

  it('commits every partition marked within the interval in one request, highest offset each', async () => {
    const { created, commit, commits } = committer();
    created.mark(commit, 't1', 0, 5n);
    created.mark(commit, 't1', 1, 3n);
    created.mark(commit, 't1', 0, 9n);
    created.mark(commit, 't1', 0, 7n); // a lower mark never moves an offset back
    created.mark(commit, 't2', 2, 1n);
    expect(commit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([
      {
        topics: [
          { topic: 't1', partitions: [{ partition: 0, offset: '9' }, { partition: 1, offset: '3' }] },
          { topic: 't2', partitions: [{ partition: 2, offset: '1' }] },
        ],
      },
    ]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(commit).toHaveBeenCalledTimes(1); // nothing marked since: no empty commits
  });

  it('flush() commits at once, and flushes run one after the other', async () => {
    const { created, commits } = committer();
    let release!: () => void;
    const slow = jest.fn<Promise<void>, Parameters<CommitOffsets>>(
      (offsets) =>
        new Promise<void>((resolve) => {
          commits.push(offsets);
          release = resolve;
        }),
    );
    created.mark(slow, 't', 0, 1n);
    const first = created.flush();
    await jest.advanceTimersByTimeAsync(0); // the first commit is on the wire
    expect(slow).toHaveBeenCalledTimes(1);
    created.mark(slow, 't', 0, 2n);
    const second = created.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(slow).toHaveBeenCalledTimes(1); // the second waits for the first
    release();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    expect(slow).toHaveBeenCalledTimes(2);
    release();
    await second;
    expect(commits.map((c) => c.topics[0]!.partitions[0]!.offset)).toEqual(['1', '2']);
  });

  it('reports a failed commit and drops it (the records come again; the inbox absorbs them)', async () => {
    const { created, failures } = committer();
    const failing: CommitOffsets = async () => {
      throw new Error('REBALANCE_IN_PROGRESS');
    };
    created.mark(failing, 't', 0, 4n);
    await created.flush();
    expect(failures).toEqual(['REBALANCE_IN_PROGRESS']);
    await created.flush(); // nothing left to retry
    expect(failures).toHaveLength(1);
  });

  it('discard() forgets marks (a rebalance moved partitions); close() stops the timer', async () => {
    const { created, commit } = committer();
    created.mark(commit, 't', 0, 4n);
    created.discard();
    await jest.advanceTimersByTimeAsync(100);
    expect(commit).not.toHaveBeenCalled();
    created.mark(commit, 't', 0, 5n);
    created.close();
    await jest.advanceTimersByTimeAsync(100);
    expect(commit).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with an interval of 0 arms no timer: the owner flushes after each batch', async () => {
    const { created, commit } = committer(0);
    created.mark(commit, 't', 0, 1n);
    expect(jest.getTimerCount()).toBe(0);
    await created.flush();
    expect(commit).toHaveBeenCalledTimes(1);
  });
});
