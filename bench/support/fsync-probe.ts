import { closeSync, fdatasyncSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The disk's own price of durability where the benchmark keeps its data: append a small record and
 * fdatasync, `rounds` times. Every replicated write pays at least one of these on the leader and one
 * on a follower, in sequence, so it is the floor under write latency at concurrency 1.
 */
export function probeFdatasync(dir: string, rounds: number): { p50Ms: number; meanMs: number } {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const samples: number[] = [];
  try {
    const record = Buffer.alloc(256, 7);
    for (let i = 0; i < rounds; i++) {
      writeSync(fd, record);
      const t0 = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: samples[Math.floor(samples.length / 2)] ?? NaN, meanMs: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length) };
}

const filesystemTypes: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'],
  [0x01021994, 'tmpfs'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
]);

/** The filesystem type of `dir` (a tmpfs would make every fsync free and the comparison meaningless). */
export function filesystemType(dir: string): string {
  try {
    const t = statfsSync(dir).type;
    return filesystemTypes.get(t) ?? `0x${t.toString(16)}`;
  } catch {
    return 'unknown';
  }
}
