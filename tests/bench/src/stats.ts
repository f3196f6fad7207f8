/** Percentile summary of a list of samples (milliseconds). */
export function summarize(samples: number[]): Record<'n' | 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'max', number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    n: sorted.length,
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

export function report(title: string, rows: Record<string, Record<string, number>>): void {
  process.stdout.write(`\n${title}\n`);
  console.table(rows);
}
