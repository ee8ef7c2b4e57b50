import { readFileSync } from 'node:fs';

/**
 * CPU time from /proc (Linux): per process (user + system, including its threads) and for the
 * whole machine, so that a measurement can say how busy each side was — e.g. "the leader used 0.6
 * of a core" or "the machine was 95% busy, so this cell is CPU-bound".
 */
const ticksPerSec = 100; // USER_HZ: 100 on every Linux the benchmark targets

/** Process CPU time in ms, or undefined when the process is gone or /proc is unavailable. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / ticksPerSec;
}

export interface MachineCpu {
  /** Busy (non-idle, non-iowait) and total CPU time across all cores, in ms. */
  readonly busyMs: number;
  readonly totalMs: number;
  readonly iowaitMs: number;
}

export function machineCpu(): MachineCpu | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  const total = busy + idle + iowait;
  return { busyMs: (busy * 1000) / ticksPerSec, totalMs: (total * 1000) / ticksPerSec, iowaitMs: (iowait * 1000) / ticksPerSec };
}
