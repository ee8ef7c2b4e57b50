/**
 * The fault harness against real rangekv nodes (npm test's smoke): 5 node processes, 4 ranges,
 * register and set workloads under kills and real partitions must check valid — and each of the
 * node's deliberate bugs (fault switches) must be caught within a short run: the harness has teeth.
 * Longer runs: npm run jepsen, npm run jepsen:suite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDefaults, type JepsenOptions } from '../jepsen-options.js';
import { runJepsen } from '../jepsen-runner.js';
import type { RunSummary } from '../run-summary.js';

const out = mkdtempSync(join(tmpdir(), 'rangekv-jepsen-rk-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function options(o: Partial<JepsenOptions>): JepsenOptions {
  const lines: string[] = [];
  return withDefaults({
    cluster: 'rangekv',
    nodeCount: 5,
    concurrency: 10,
    outDir: out,
    opTimeoutMs: 2000,
    faultSMin: 1,
    faultSMax: 4,
    healSMin: 1,
    healSMax: 3,
    recoveryTimeoutS: 30,
    setupTimeoutS: 40,
    maxStatesPerKey: 200_000,
    say: (line) => lines.push(line),
    ...o,
  });
}

async function run(o: Partial<JepsenOptions>): Promise<{ verdict: string; summary: RunSummary; runDir: string }> {
  const result = await runJepsen(options(o));
  const summary = JSON.parse(readFileSync(join(result.runDir, 'summary.json'), 'utf8')) as RunSummary;
  return { verdict: result.verdict, summary, runDir: result.runDir };
}

describe('fault harness against real nodes', () => {
  it('smoke: register under kill -9 and partitions for 30 s is linearizable, and the cluster recovers', async () => {
    const r = await run({ workload: 'register', nemeses: ['kill', 'partition'], timeS: 30, seed: 101 });
    expect(r.verdict, r.runDir).toBe('valid');
    expect(r.summary.recovered).toBe(true);
    expect(r.summary.unexpectedExits).toEqual([]);
    // Not a throughput bar (clients bound to a killed node wait out their timeout): only proof
    // that the run checked real reads and writes, not an empty history.
    expect(r.summary.ops.ok).toBeGreaterThan(100);
    expect(r.summary.ops.byF['read']?.ok ?? 0).toBeGreaterThan(10);
    expect(r.summary.ops.byF['write']?.ok ?? 0).toBeGreaterThan(10);
  }, 150_000);

  // Each deliberate bug breaks one promise; a short run must catch it.
  const teeth: { bug: string; workload: 'register' | 'set'; nemeses: string[]; seed: number }[] = [
    { bug: 'stale-reads', workload: 'register', nemeses: ['partition'], seed: 2 },
    { bug: 'skip-dedup', workload: 'register', nemeses: ['partition'], seed: 2 },
    { bug: 'ack-before-commit', workload: 'set', nemeses: ['kill', 'partition'], seed: 3 },
  ];
  for (const t of teeth) {
    it(`catches the ${t.bug} bug (${t.workload} under ${t.nemeses.join('+')})`, async () => {
      const r = await run({ workload: t.workload, nemeses: t.nemeses, timeS: 20, seed: t.seed, bug: t.bug });
      expect(r.verdict, r.runDir).toBe('invalid');
    }, 150_000);
  }
});
