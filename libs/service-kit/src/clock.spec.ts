import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('moves only when told, and tells jump listeners after each move until they unsubscribe', () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const seen: string[] = [];
    const unsubscribe = clock.onJump(() => seen.push(clock.now().toISOString()));
    clock.advance(1_000);
    clock.set('2026-12-02T07:00:00Z');
    unsubscribe();
    clock.advance(1_000);
    expect(seen).toEqual(['2026-12-01T00:00:01.000Z', '2026-12-02T07:00:00.000Z']);
    expect(clock.now().toISOString()).toBe('2026-12-02T07:00:01.000Z');
  });

  it('the system clock does not jump, so it has no jump listeners', () => {
    expect(systemClock.onJump).toBeUndefined();
  });
});
