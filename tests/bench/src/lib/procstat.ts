/**
 * Per-process CPU and memory from Linux /proc: utime + stime of /proc/<pid>/stat (clock ticks) and
 * VmRSS of /proc/<pid>/status. Elsewhere (macOS) the readers return undefined and the report says
 * "n/a".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime in clock ticks from the text of /proc/<pid>/stat. */
export function parseStatTicks(stat: string): number {
  // Field 2 (comm) is in parentheses and may contain spaces or parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return utime + stime;
}

/** VmRSS in bytes from the text of /proc/<pid>/status (undefined for a zombie without one). */
export function parseRssBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1_024 : undefined;
}

let ticksPerSecond: number | undefined;
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const value = Number(out.stdout?.trim());
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

export interface ProcessSample {
  /** CPU time used so far (user + system), ms. */
  cpuMs: number;
  rssBytes?: number;
  /** For a group of processes: CPU ms per pid (processes come and go between samples). */
  parts?: Map<number, number>;
}

export function sampleProcess(pid: number | undefined): ProcessSample | undefined {
  if (!pid) return undefined;
  try {
    const ticks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const rssBytes = parseRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs: (ticks * 1_000) / clockTicksPerSecond(), rssBytes };
  } catch {
    return undefined;
  }
}

/**
 * CPU ms used between two samples. For a group, per pid: a pid that appeared counts whole, one
 * that exited is lost (so the figure is a lower bound).
 */
export function cpuDeltaMs(before: ProcessSample | undefined, after: ProcessSample | undefined): number | undefined {
  if (!before || !after) return undefined;
  if (!after.parts || !before.parts) return after.cpuMs - before.cpuMs;
  let sum = 0;
  for (const [pid, ms] of after.parts) sum += ms - (before.parts.get(pid) ?? 0);
  return sum;
}

/** CPU use between two samples as a percentage of one core. */
export function cpuPercentOfCore(before: ProcessSample | undefined, after: ProcessSample | undefined, wallMs: number): number | undefined {
  const delta = cpuDeltaMs(before, after);
  if (delta === undefined || wallMs <= 0) return undefined;
  return (delta / wallMs) * 100;
}

/** Every process whose command is `comm` (e.g. the PostgreSQL server and its backends), CPU only. */
export function sampleProcessGroup(comm: string): ProcessSample | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const parts = new Map<number, number>();
  for (const entry of entries) {
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      parts.set(Number(entry), (parseStatTicks(readFileSync(`/proc/${entry}/stat`, 'utf8')) * 1_000) / clockTicksPerSecond());
    } catch {
      // gone meanwhile
    }
  }
  if (!parts.size) return undefined;
  return { cpuMs: [...parts.values()].reduce((a, b) => a + b, 0), parts };
}

export const MiB = 1_048_576;
