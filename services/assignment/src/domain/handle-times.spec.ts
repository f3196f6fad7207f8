import { foldHandleTimes, HANDLE_EWMA } from './handle-times';

describe('foldHandleTimes', () => {
  it.each([
    ['no average and no handle times', null, [], null],
    ['the first handle time a queue has starts its average', null, [60_000], 60_000],
    ['each later one moves it by the weight of the difference', 60_000, [160_000], 60_000 + HANDLE_EWMA * 100_000],
    ['in order, oldest first', null, [100_000, 0, 50_000], Math.round((100_000 * (1 - HANDLE_EWMA)) * (1 - HANDLE_EWMA) + 50_000 * HANDLE_EWMA)],
    ['nothing new keeps the average', 42_000, [], 42_000],
    ['rounded to whole milliseconds', 1, [2], 1],
  ])('%s', (_name, average, times, expected) => {
    expect(foldHandleTimes(average, times)).toBe(expected);
  });
});
