import { CommandSlots, commandSlotsFor } from './command-slots';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CommandSlots', () => {
  it('runs at most `size` at once and lets the others in in arrival order, a failed one freeing its slot too', async () => {
    const slots = new CommandSlots(2);
    const gates = new Map<string, { open: () => void; fail: (e: Error) => void }>();
    const started: string[] = [];
    const work = (name: string) =>
      slots.run(
        () =>
          new Promise<string>((resolve, reject) => {
            started.push(name);
            gates.set(name, { open: () => resolve(name), fail: reject });
          }),
      );
    const runs = ['a', 'b', 'c', 'd'].map((name) => work(name).catch((e: Error) => e.message));
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(slots.queued).toBe(2);
    gates.get('b')!.fail(new Error('b failed'));
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    gates.get('a')!.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(slots.queued).toBe(0);
    gates.get('c')!.open();
    gates.get('d')!.open();
    expect(await Promise.all(runs)).toEqual(['a', 'b failed', 'c', 'd']);
    // All slots free again: two start at once.
    const again = [work('e'), work('f')];
    await tick();
    expect(started.slice(-2)).toEqual(['e', 'f']);
    gates.get('e')!.open();
    gates.get('f')!.open();
    await Promise.all(again);
  });

  it('keeps connections for the consumer out of the commands’ reach, and at least one slot', () => {
    expect(commandSlotsFor(10)).toBe(6);
    expect(commandSlotsFor(3)).toBe(1);
    expect(() => new CommandSlots(0)).toThrow(RangeError);
  });
});
