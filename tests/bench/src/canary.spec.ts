import { cpuCanary } from './lib/canary';

describe('cpuCanary', () => {
  it('times the same fixed work every run', () => {
    const first = cpuCanary(3);
    const second = cpuCanary(3);
    expect(first.checksum).toBe(second.checksum);
    expect(first.medianMs).toBeGreaterThan(0);
    expect(second.medianMs).toBeGreaterThan(0);
  });
});
