import { cpuDeltaMs, cpuPercentOfCore, parseRssBytes, parseStatTicks, sampleProcess } from './lib/procstat';

describe('/proc readers', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (my svc)) S 1 4242 4242 0 -1 4194560 12 0 0 0 1234 567 0 0 20 0 11 0 100 1000 50 18446744073709551615';
    expect(parseStatTicks(stat)).toBe(1234 + 567);
  });

  it('reads VmRSS in bytes', () => {
    expect(parseRssBytes('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t   81920 kB\nThreads:\t11\n')).toBe(81_920 * 1_024);
    expect(parseRssBytes('Name:\tzombie\nState:\tZ (zombie)\n')).toBeUndefined();
  });

  it('turns two samples into a percentage of one core', () => {
    expect(cpuPercentOfCore({ cpuMs: 1_000 }, { cpuMs: 1_200 }, 20_000)).toBeCloseTo(1);
    expect(cpuPercentOfCore(undefined, { cpuMs: 1 }, 1_000)).toBeUndefined();
  });

  it('sums a process group per pid: new pids count whole, exited ones drop out', () => {
    const before = { cpuMs: 300, parts: new Map([[1, 100], [2, 200]]) };
    const after = { cpuMs: 180, parts: new Map([[1, 150], [3, 30]]) }; // 2 exited, 3 appeared
    expect(cpuDeltaMs(before, after)).toBe(50 + 30);
    expect(cpuDeltaMs({ cpuMs: 5 }, { cpuMs: 12 })).toBe(7);
  });

  (process.platform === 'linux' ? it : it.skip)('samples this very process', () => {
    const s = sampleProcess(process.pid);
    expect(s?.cpuMs).toBeGreaterThan(0);
    expect(s?.rssBytes).toBeGreaterThan(10 * 1_048_576);
    expect(sampleProcess(2 ** 22 + 12_345)).toBeUndefined();
  });
});
