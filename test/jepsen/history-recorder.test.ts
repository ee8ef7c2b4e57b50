/**
 * The recorder enforces the history format's process rules as events happen, and workers use it
 * correctly: every op bounded by its timeout, info retires the process, the worker goes on under a
 * fresh one, and what comes out is a well-formed history (history.ts) the checkers accept.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../raft/rng.js';
import { performOp, runWorker } from './client-worker.js';
import { buildHistory, parseHistoryJsonl } from './history.js';
import { HistoryRecorder, RecorderError } from './history-recorder.js';
import { kvFailed, kvUnknown, type KvClient } from './kv-client.js';
import { MemoryKvClient, MemoryKvStore } from './memory-kv-client.js';
import { ManualClock, ProcessMonotonicClock, type MonotonicClock } from './monotonic-clock.js';
import { runChecker } from './run-checker.js';
import { RegisterWorkload } from './workloads/register-workload.js';
import type { Workload } from './workloads/workload.js';

function recorder(clock: MonotonicClock = new ManualClock()): { readonly recorder: HistoryRecorder; readonly lines: string[] } {
  const lines: string[] = [];
  return { recorder: new HistoryRecorder(clock, (line) => lines.push(line)), lines };
}

describe('HistoryRecorder', () => {
  it('numbers events, stamps monotonic times and writes the documented format plus node/error', () => {
    const clock = new ManualClock(5);
    const { recorder: r, lines } = recorder(clock);
    const p = r.newProcess();
    const op = r.invoke(p, 'write', 'k', 3, { node: 2 });
    clock.advanceNs(10);
    r.complete(op, 'ok', 3);
    const op2 = r.invoke(p, 'read', 'k', null);
    r.complete(op2, 'fail', null, 'UNAVAILABLE: down');
    expect(lines).toEqual([
      '{"index":0,"time":5,"process":0,"type":"invoke","f":"write","key":"k","value":3,"node":2}',
      '{"index":1,"time":15,"process":0,"type":"ok","f":"write","key":"k","value":3}',
      '{"index":2,"time":15,"process":0,"type":"invoke","f":"read","key":"k","value":null}',
      '{"index":3,"time":15,"process":0,"type":"fail","f":"read","key":"k","value":null,"error":"UNAVAILABLE: down"}',
    ]);
    expect(parseHistoryJsonl(lines.join('\n')).operations).toHaveLength(2);
    expect(r.tally).toEqual({ invoke: 2, ok: 1, fail: 1, info: 0 });
  });

  it('refuses a second invoke while one is pending, and any invoke after info', () => {
    const { recorder: r } = recorder();
    const p = r.newProcess();
    const op = r.invoke(p, 'read', 'k', null);
    expect(() => r.invoke(p, 'read', 'k', null)).toThrow(expect.objectContaining({ code: 'PROCESS_BUSY' }));
    r.complete(op, 'info', null);
    expect(r.isRetired(p)).toBe(true);
    expect(() => r.invoke(p, 'read', 'k', null)).toThrow(expect.objectContaining({ code: 'PROCESS_RETIRED' }));
    expect(() => r.complete(op, 'ok', null)).toThrow(expect.objectContaining({ code: 'NOT_PENDING' }));
    expect(() => r.invoke(99, 'read', 'k', null)).toThrow(RecorderError);
    expect(r.newProcess()).toBe(1);
  });

  it('close() completes what is pending as info, so the history is complete', () => {
    const { recorder: r, lines } = recorder();
    r.invoke(r.newProcess(), 'write', 'k', 1);
    r.close('harness stopped');
    expect(() => r.invoke(r.newProcess(), 'read', 'k', null)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    const history = parseHistoryJsonl(lines.join('\n'));
    expect(history.operations[0]?.outcome).toBe('info');
  });
});

describe('performOp and workers', () => {
  const hanging: KvClient = {
    get: (_key, options) => new Promise((_, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason))),
    put: () => Promise.reject(kvFailed('CONNECTION_REFUSED', 'down')),
    cas: () => Promise.reject(kvUnknown('CONNECTION_LOST', 'reset')),
    delete: () => Promise.reject(new Error('a bug, not a KvError')),
    close: () => Promise.resolve(),
  };
  const workload = new RegisterWorkload({ concurrency: 1 });

  it('maps timeouts and unknown errors to info, certain failures to fail', async () => {
    const { recorder: r, lines } = recorder(new ProcessMonotonicClock());
    const startedMs = Date.now();
    expect(await performOp(r, r.newProcess(), { f: 'read', key: 'k', value: null }, workload, hanging, 50, 0)).toEqual({ type: 'info' });
    expect(Date.now() - startedMs).toBeLessThan(1000);
    expect(await performOp(r, r.newProcess(), { f: 'write', key: 'k', value: 1 }, workload, hanging, 50, 0)).toEqual({ type: 'fail' });
    expect(await performOp(r, r.newProcess(), { f: 'cas', key: 'k', value: [1, 2] }, workload, hanging, 50, 0)).toEqual({ type: 'info' });
    const types = lines.map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['invoke', 'info', 'invoke', 'fail', 'invoke', 'info']);
    expect(lines[1]).toContain('TIMEOUT');
  });

  it('a worker whose op ends in info continues under a fresh process, and an op that never answers is bounded', async () => {
    const readsOnly: Workload = {
      name: 'reads',
      checkModel: 'register',
      nextOp: () => ({ f: 'read', key: 'k', value: null }),
      execute: (op, client, options) => workload.execute(op, client, options),
      activeKeys: () => [],
      finalOps: () => [],
    };
    const { recorder: r, lines } = recorder(new ProcessMonotonicClock());
    let ops = 0;
    const stats = await runWorker({
      workerIndex: 0,
      nodeIndex: 0,
      recorder: r,
      workload: readsOnly,
      client: hanging,
      rng: new SeededRng(1),
      opTimeoutMs: 20,
      thinkMsMean: 0,
      shouldContinue: () => ops++ < 3,
    });
    expect(stats).toMatchObject({ info: 3, processesUsed: 4 });
    const history = parseHistoryJsonl(lines.join('\n'));
    expect(history.operations.map((op) => op.process)).toEqual([0, 1, 2]);
  });

  it('concurrent workers against a linearizable store with injected faults: a valid register history', async () => {
    const store = new MemoryKvStore();
    const { recorder: r, lines } = recorder(new ProcessMonotonicClock());
    const register = new RegisterWorkload({ concurrency: 4, opsPerKeyMax: 60 });
    const master = new SeededRng(7);
    const deadline = Date.now() + 400;
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        runWorker({
          workerIndex: w,
          nodeIndex: w,
          recorder: r,
          workload: register,
          client: new MemoryKvClient(store, master.fork(), { failProbability: 0.05, unknownAppliedProbability: 0.05, unknownLostProbability: 0.05, hangProbability: 0.01, latencyMsMax: 4 }),
          rng: master.fork(),
          opTimeoutMs: 30,
          thinkMsMean: 0,
          shouldContinue: () => Date.now() < deadline,
        }),
      ),
    );
    const history = buildHistory(parseHistoryJsonl(lines.join('\n')).events);
    expect(history.operations.length).toBeGreaterThan(100);
    expect(history.operations.some((op) => op.outcome === 'info')).toBe(true);
    expect(runChecker(history, { model: 'register' }).result.verdict).toBe('valid');
  });

  it('the same with stale reads planted: invalid', async () => {
    const store = new MemoryKvStore();
    const { recorder: r, lines } = recorder(new ProcessMonotonicClock());
    const register = new RegisterWorkload({ concurrency: 4, activeKeyCount: 2 });
    const master = new SeededRng(8);
    const deadline = Date.now() + 300;
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        runWorker({
          workerIndex: w,
          nodeIndex: w,
          recorder: r,
          workload: register,
          client: new MemoryKvClient(store, master.fork(), { staleReads: true, latencyMsMax: 2 }),
          rng: master.fork(),
          opTimeoutMs: 100,
          thinkMsMean: 0,
          shouldContinue: () => Date.now() < deadline,
        }),
      ),
    );
    expect(runChecker(parseHistoryJsonl(lines.join('\n')), { model: 'register' }).result.verdict).toBe('invalid');
  });
});
