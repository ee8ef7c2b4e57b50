/**
 * The register and set workloads: bounded per-key histories, unique elements, the set's
 * compare-and-swap loop and its outcomes, and whole histories judged valid against a linearizable
 * in-memory store with injected faults.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../raft/rng.js';
import { runWorker, performOp } from '../client-worker.js';
import { parseHistoryJsonl } from '../history.js';
import { HistoryRecorder } from '../history-recorder.js';
import type { JsonValue } from '../json-value.js';
import { KvError, type KvClient } from '../kv-client.js';
import { MemoryKvClient, MemoryKvStore } from '../memory-kv-client.js';
import { ProcessMonotonicClock } from '../monotonic-clock.js';
import { runChecker } from '../run-checker.js';
import { RegisterWorkload } from './register-workload.js';
import { SetWorkload } from './set-workload.js';
import { createWorkload, WORKLOAD_NAMES, workloadUnavailableReason } from './workload-registry.js';

const signal = new AbortController().signal;

describe('register workload', () => {
  it('never gives a key more than opsPerKeyMax operations, keeps the active key count, and uses values 0..4', () => {
    const workload = new RegisterWorkload({ concurrency: 3, activeKeyCount: 5, opsPerKeyMax: 20 });
    const rng = new SeededRng(3);
    const perKey = new Map<string, number>();
    const fs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const op = workload.nextOp(rng);
      perKey.set(op.key, (perKey.get(op.key) ?? 0) + 1);
      fs.add(op.f);
      if (op.f === 'write') expect([0, 1, 2, 3, 4]).toContain(op.value);
      if (op.f === 'cas') expect(op.value).toHaveLength(2);
      expect(workload.activeKeys()).toHaveLength(5);
    }
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(20);
    expect(perKey.size).toBeGreaterThan(90);
    expect([...fs].sort()).toEqual(['cas', 'read', 'write']);
    expect(workload.finalOps().every((op) => op.f === 'read')).toBe(true);
  });
});

describe('set workload', () => {
  it('adds each element once, across rotating keys, and reads every key it ever used at the end', () => {
    const workload = new SetWorkload({ concurrency: 4, activeKeyCount: 2, elementsPerKeyMax: 10 });
    const rng = new SeededRng(5);
    const elements: JsonValue[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const op = workload.nextOp(rng);
      keys.add(op.key);
      if (op.f === 'add') elements.push(op.value);
    }
    expect(new Set(elements).size).toBe(elements.length);
    expect(workload.finalOps().map((op) => op.key).sort()).toEqual([...keys].sort());
  });

  it('an add that loses every compare-and-swap race certainly failed; one whose element is already there is ok', async () => {
    const workload = new SetWorkload({ concurrency: 1, casAttemptsMax: 3 });
    let gets = 0;
    const racing: KvClient = {
      get: () => Promise.resolve([gets++]),
      put: () => Promise.resolve(),
      cas: () => Promise.resolve({ swapped: false }),
      delete: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    await expect(workload.execute({ f: 'add', key: 's0', value: 99 }, racing, { signal })).rejects.toMatchObject({ outcome: 'failed', code: 'REJECTED' });
    expect(gets).toBe(3);
    const present: KvClient = { ...racing, get: () => Promise.resolve([1, 99]) };
    await expect(workload.execute({ f: 'add', key: 's0', value: 99 }, present, { signal })).resolves.toEqual({ type: 'ok', value: 99 });
    const garbage: KvClient = { ...racing, get: () => Promise.resolve('not a list') };
    await expect(workload.execute({ f: 'read', key: 's0', value: null }, garbage, { signal })).rejects.toBeInstanceOf(KvError);
  });

  it('concurrent adds with injected faults, then final reads: the set checker finds nothing lost', async () => {
    const store = new MemoryKvStore();
    const lines: string[] = [];
    const recorder = new HistoryRecorder(new ProcessMonotonicClock(), (line) => lines.push(line));
    const workload = new SetWorkload({ concurrency: 4, activeKeyCount: 2, elementsPerKeyMax: 50 });
    const master = new SeededRng(9);
    const faults = { failProbability: 0.03, unknownAppliedProbability: 0.03, unknownLostProbability: 0.03, latencyMsMax: 3 };
    const deadline = Date.now() + 400;
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        runWorker({ workerIndex: w, nodeIndex: w, recorder, workload, client: new MemoryKvClient(store, master.fork(), faults), rng: master.fork(), opTimeoutMs: 200, thinkMsMean: 0, shouldContinue: () => Date.now() < deadline }),
      ),
    );
    const reliable = new MemoryKvClient(store, master.fork());
    for (const op of workload.finalOps()) expect(await performOp(recorder, recorder.newProcess(), op, workload, reliable, 200, 0)).toEqual({ type: 'ok' });
    const history = parseHistoryJsonl(lines.join('\n'));
    const adds = history.operations.filter((op) => op.f === 'add');
    expect(adds.filter((op) => op.outcome === 'ok').length).toBeGreaterThan(50);
    expect(adds.some((op) => op.outcome === 'info')).toBe(true);
    const { result, report } = runChecker(history, { model: 'set' });
    expect(result.verdict, report.details.join('\n')).toBe('valid');
  });
});

describe('workload registry', () => {
  it('builds the known workloads and explains the planned ones', () => {
    for (const name of WORKLOAD_NAMES) expect(createWorkload(name, { concurrency: 2 }).name).toBe(name);
    expect(workloadUnavailableReason('register')).toBeNull();
    expect(workloadUnavailableReason('bank')).toMatch(/transactions/);
    expect(workloadUnavailableReason('list-append')).toMatch(/transactions/);
    expect(workloadUnavailableReason('nope')).toMatch(/unknown workload/);
  });
});
