/**
 * CPU time and resident memory of a process, read from Linux /proc (the
 * relay, the baseline and the load generators are separate processes).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) used so far by `pid`; NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 here.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` in KiB; NaN if it is gone. */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** A CPU reading of several processes at one instant. */
export interface CpuMark {
  readonly atMs: number;
  readonly seconds: readonly number[];
}

/** Reads the CPU seconds of `pids` now. */
export function markCpu(pids: readonly number[]): CpuMark {
  return { atMs: performance.now(), seconds: pids.map(cpuSeconds) };
}

/** Percent of one core used by all `pids` together between two marks. */
export function cpuPercent(from: CpuMark, to: CpuMark): number {
  const wall = (to.atMs - from.atMs) / 1000;
  if (wall <= 0) return 0;
  let used = 0;
  for (let i = 0; i < from.seconds.length; i++) used += (to.seconds[i] ?? 0) - (from.seconds[i] ?? 0);
  return (used / wall) * 100;
}
