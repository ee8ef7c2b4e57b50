/**
 * The whole harness end to end against the fake cluster (real processes, real proxies): a correct
 * cluster under kills and partitions is judged valid, and the same run with the stale-reads bug is
 * caught as invalid — the harness has teeth.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHistoryJsonl } from './history.js';
import { withDefaults } from './jepsen-options.js';
import { JepsenConfigError, runJepsen } from './jepsen-runner.js';
import { parseNemesisJsonl } from './nemesis/nemesis-log.js';
import type { RunSummary } from './run-summary.js';

const out = mkdtempSync(join(tmpdir(), 'rangekv-jepsen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const lines: string[] = [];
const base = withDefaults({
  cluster: 'fake',
  workload: 'register',
  nemeses: ['kill', 'partition'],
  timeS: 6,
  concurrency: 6,
  nodeCount: 3,
  outDir: out,
  rateOpsPerS: 300,
  opTimeoutMs: 1000,
  faultSMin: 0.5,
  faultSMax: 1.5,
  healSMin: 0.3,
  healSMax: 1,
  recoveryTimeoutS: 10,
  setupTimeoutS: 20,
  say: (line) => lines.push(line),
});

describe('jepsen runner against the fake cluster', () => {
  it('register under kill + partition on a correct cluster: valid, with every file of the run directory', async () => {
    const result = await runJepsen({ ...base, seed: 11 });
    const summary = JSON.parse(readFileSync(join(result.runDir, 'summary.json'), 'utf8')) as RunSummary;
    if (result.verdict !== 'valid') console.log(lines.join('\n'), summary);
    expect(result.verdict).toBe('valid');
    expect(result.exitCode).toBe(0);
    for (const file of ['history.jsonl', 'nemesis.jsonl', 'summary.json', 'report.html', 'check.txt', 'harness.log', 'logs/n1.stdout.log', 'logs/n3.stderr.log']) {
      expect(existsSync(join(result.runDir, file)), file).toBe(true);
    }
    const history = parseHistoryJsonl(readFileSync(join(result.runDir, 'history.jsonl'), 'utf8'));
    expect(history.operations.length).toBeGreaterThan(300);
    // The fake node reports the value a failed compare found: recorded with the mismatch.
    expect(history.operations.some((op) => op.f === 'cas' && op.outcome === 'fail' && op.completion.mismatch === true && op.completion.current !== undefined)).toBe(true);
    expect(summary.ops.total).toBe(history.operations.length);
    expect(summary.ops.ok).toBeGreaterThan(100);
    const nemesis = parseNemesisJsonl(readFileSync(join(result.runDir, 'nemesis.jsonl'), 'utf8'));
    expect(nemesis.filter((e) => e.kind === 'kill' && e.action === 'start').length).toBeGreaterThan(0);
    expect(nemesis.filter((e) => e.kind === 'partition' && e.action === 'start').length).toBeGreaterThan(0);
    expect(nemesis[nemesis.length - 1]).toMatchObject({ kind: 'all', action: 'heal' });
    expect(summary.recovered).toBe(true);
    expect(summary.unexpectedExits).toEqual([]);
  });

  it('the same with --fake-bug stale-reads: caught as invalid', async () => {
    // Refuting an invalid key can take the whole search budget; a smaller one keeps the test fast,
    // and one key proven invalid is enough.
    const result = await runJepsen({ ...base, seed: 12, bug: 'stale-reads', timeS: 4, maxStatesPerKey: 100_000 });
    expect(result.verdict).toBe('invalid');
    expect(result.exitCode).toBe(1);
    expect(result.summary.anomalies.length).toBeGreaterThan(0);
    expect(readFileSync(join(result.runDir, 'check.txt'), 'utf8')).toMatch(/^INVALID register/m);
  });

  it('set under pause + clock (libfaketime on every node): valid, with final reads and moved clocks', async () => {
    const result = await runJepsen({ ...base, seed: 13, workload: 'set', nemeses: ['pause', 'clock'], timeS: 4 });
    expect(result.verdict, result.summary.checker?.verdictLine ?? String(result.summary.error)).toBe('valid');
    const nemesis = parseNemesisJsonl(readFileSync(join(result.runDir, 'nemesis.jsonl'), 'utf8'));
    const clockStarts = nemesis.filter((e) => e.kind === 'clock' && e.action === 'start');
    expect(clockStarts.length).toBeGreaterThan(0);
    expect(clockStarts[0]?.detail).toMatchObject({ via: 'faketime' });
    expect(existsSync(join(result.runDir, 'clock', 'n1.faketime'))).toBe(true);
    expect(readFileSync(join(result.runDir, 'clock', 'n1.faketime'), 'utf8').trim()).toBe('+0.000');
    expect(nemesis.some((e) => e.kind === 'pause' && e.action === 'start' && e.targets.length > 0)).toBe(true);
    const history = parseHistoryJsonl(readFileSync(join(result.runDir, 'history.jsonl'), 'utf8'));
    const finalReads = history.operations.filter((op) => op.f === 'read' && op.outcome === 'ok');
    expect(finalReads.length).toBeGreaterThan(0);
  });

  it('refuses bad options before starting anything', async () => {
    await expect(runJepsen({ ...base, workload: 'bank' })).rejects.toThrow(/needs multi-key transactions/);
    await expect(runJepsen({ ...base, nemeses: ['partition-bridge'], nodeCount: 2 })).rejects.toBeInstanceOf(JepsenConfigError);
    await expect(runJepsen({ ...base, cluster: 'etcd' })).rejects.toThrow(/unknown cluster driver/);
  });
});
