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

  it('writes the mismatch and the value found of a failed cas, and refuses them elsewhere', () => {
    const { recorder: r, lines } = recorder();
    const p = r.newProcess();
    const event = r.complete(r.invoke(p, 'cas', 'k', [1, 2]), 'fail', [1, 2], undefined, { mismatch: true, current: null });
    expect(event).toMatchObject({ type: 'fail', mismatch: true, current: null });
    r.complete(r.invoke(p, 'cas', 'k', [1, 2]), 'fail', [1, 2], 'UNAVAILABLE: minority');
    expect(lines.slice(1)).toEqual([
      '{"index":1,"time":0,"process":0,"type":"fail","f":"cas","key":"k","value":[1,2],"mismatch":true,"current":null}',
      '{"index":2,"time":0,"process":0,"type":"invoke","f":"cas","key":"k","value":[1,2]}',
      '{"index":3,"time":0,"process":0,"type":"fail","f":"cas","key":"k","value":[1,2],"error":"UNAVAILABLE: minority"}',
    ]);
    expect(parseHistoryJsonl(lines.join('\n')).events[1]).toMatchObject({ mismatch: true, current: null });
    const op = r.invoke(p, 'cas', 'k', [1, 2]);
    expect(() => r.complete(op, 'ok', [1, 2], undefined, { mismatch: true })).toThrow(expect.objectContaining({ code: 'BAD_FACTS' }));
    expect(() => r.complete(op, 'fail', [1, 2], undefined, { current: 3 })).toThrow(expect.objectContaining({ code: 'BAD_FACTS' }));
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
    // Compare mismatches are recorded as such, with the value found; injected refusals are plain.
    const casFails = history.operations.filter((op) => op.f === 'cas' && op.outcome === 'fail');
    expect(casFails.some((op) => op.completion.mismatch === true && op.completion.current !== undefined)).toBe(true);
    expect(casFails.some((op) => op.completion.mismatch === undefined)).toBe(true);
    expect(runChecker(history, { model: 'register' }).result.verdict).toBe('valid');
  });

  it('a store that wrongly answers "not swapped": invalid', async () => {
    const store = new MemoryKvStore();
    const { recorder: r, lines } = recorder(new ProcessMonotonicClock());
    const register = new RegisterWorkload({ concurrency: 1 });
    const master = new SeededRng(10);
    const honest = new MemoryKvClient(store, master.fork());
    // Every cas that would swap says it did not, and applies nothing (no value found given).
    const liar: KvClient = {
      get: (key, options) => honest.get(key, options),
      put: (key, value, options) => honest.put(key, value, options),
      cas: async (key, expected, _next, options) => {
        const current = await honest.get(key, options);
        return JSON.stringify(current) === JSON.stringify(expected) ? { swapped: false } : { swapped: false, current };
      },
      delete: (key, options) => honest.delete(key, options),
      close: () => Promise.resolve(),
    };
    let ops = 0;
    await runWorker({ workerIndex: 0, nodeIndex: 0, recorder: r, workload: register, client: liar, rng: master.fork(), opTimeoutMs: 100, thinkMsMean: 0, shouldContinue: () => ops++ < 400 });
    const history = parseHistoryJsonl(lines.join('\n'));
    const { result } = runChecker(history, { model: 'register' });
    expect(result.verdict).toBe('invalid');
    // The same history as an old checker saw it (the mismatch dropped): the lie is invisible.
    const stripped = buildHistory(history.events.map(({ mismatch: _mismatch, current: _current, ...event }) => event));
    expect(runChecker(stripped, { model: 'register' }).result.verdict).toBe('valid');
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
