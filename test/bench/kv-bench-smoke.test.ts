/**
 * bench:kv still runs end to end: a tiny run (rangekv only, no etcd, two short cells) produces its
 * figures, ends with one RESULT line, and leaves nothing behind in its temp dir. It asserts that
 * figures exist, never what they are: timings belong to the benchmark, not to the tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('bench:kv smoke', () => {
  it('measures puts and gets against a real 3-node cluster and prints one RESULT line', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rangekv-kv-bench-smoke-'));
    try {
      const bench = resolve('dist/bench/kv-bench.js');
      const args = [bench, '--quick', '--no-etcd', '--no-lease', '--only', 'put:1,get:16', '--segment-ms', '300', '--warmup-ms', '100', '--keys', '50', '--workers', '2'];
      const { stdout } = await run(process.execPath, args, { env: { ...process.env, TMPDIR: tmp }, timeout: 90_000 });
      const lines = stdout.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('RESULT ')).length).toBe(1);
      expect(lines[lines.length - 1]!.startsWith('RESULT ')).toBe(true);
      const result = JSON.parse(lines[lines.length - 1]!.slice('RESULT '.length)) as {
        cells: { op: string; concurrency: number; rangekv: { ops: number; opsPerSec: number; p50Ms: number; p99Ms: number; errors: number; misses: number }; etcd: unknown }[];
      };
      expect(result.cells.map((c) => `${c.op}:${c.concurrency}`)).toEqual(['put:1', 'get:16']);
      for (const c of result.cells) {
        expect(c.rangekv.ops).toBeGreaterThan(0);
        expect(c.rangekv.errors).toBe(0);
        expect(c.rangekv.misses).toBe(0);
        expect(Number.isFinite(c.rangekv.opsPerSec) && Number.isFinite(c.rangekv.p50Ms) && Number.isFinite(c.rangekv.p99Ms)).toBe(true);
        expect(c.etcd).toBeNull();
      }
      // Its data dir (under TMPDIR) is gone: every process stopped, everything removed.
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
