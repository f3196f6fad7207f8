import { SameTurnGatherer } from './same-turn';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SameTurnGatherer', () => {
  function gatherer(max?: number) {
    const runs: string[][] = [];
    const g = new SameTurnGatherer<string, string>({
      run: async (items) => (runs.push(items), items.map((item) => `done ${item}`)),
      size: (item) => item.length,
      max,
    });
    return { g, runs };
  }

  it('hands what one turn submitted under a key to one run, and answers each item its own result', async () => {
    const { g, runs } = gatherer();
    const results = Promise.all([g.submit('t', 'a'), g.submit('u', 'x'), g.submit('t', 'b')]);
    expect(runs).toEqual([]); // nothing runs before the turn ends
    expect(await results).toEqual(['done a', 'done x', 'done b']);
    expect(runs).toEqual([['a', 'b'], ['x']]);
  });

  it('opens a new group in the next turn', async () => {
    const { g, runs } = gatherer();
    const first = g.submit('t', 'a');
    await nextTurn();
    await Promise.all([first, g.submit('t', 'b')]);
    expect(runs).toEqual([['a'], ['b']]);
  });

  it('starts a group that an item would overflow at once, and puts that item in the next group', async () => {
    const { g, runs } = gatherer(4);
    const results = [g.submit('t', 'aa'), g.submit('t', 'bb'), g.submit('t', 'ccc')];
    expect(runs).toEqual([['aa', 'bb']]); // full: started without waiting for the turn to end
    await Promise.all(results);
    expect(runs).toEqual([['aa', 'bb'], ['ccc']]);
  });

  it('takes an item larger than the limit alone', async () => {
    const { g, runs } = gatherer(2);
    await Promise.all([g.submit('t', 'a'), g.submit('t', 'large')]);
    expect(runs).toEqual([['a'], ['large']]);
  });

  it('rejects every item of a group whose run fails, whether it throws at once or later', async () => {
    const failing = new SameTurnGatherer<string, string>({
      run: (items) => {
        if (items.includes('sync')) throw new Error('at once');
        return Promise.reject(new Error('later'));
      },
    });
    await expect(Promise.all([failing.submit('a', 'sync'), failing.submit('a', 'other')])).rejects.toThrow('at once');
    const later = [failing.submit('b', 'x'), failing.submit('b', 'y')];
    await expect(later[0]).rejects.toThrow('later');
    await expect(later[1]).rejects.toThrow('later');
  });
});
