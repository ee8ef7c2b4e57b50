/**
 * A client worker: one logical thread of the test, bound to one node, that performs the workload's
 * operations one after another and records each in the history. Every operation is bounded by
 * `opTimeoutMs`: past it the call is aborted and recorded as `info` (the harness does not wait for
 * it). After an `info` the worker continues under a fresh process number, as the history format
 * requires.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeededRng } from '../../raft/rng.js';
import type { HistoryRecorder } from './history-recorder.js';
import { completionTypeOfError, describeError, kvUnknown, type KvClient } from './kv-client.js';
import type { OpResult, PlannedOp, Workload } from './workloads/workload.js';

export interface OpOutcome {
  readonly type: 'ok' | 'fail' | 'info';
}

/** Performs one operation and records its invoke and completion. */
export async function performOp(
  recorder: HistoryRecorder,
  process: number,
  op: PlannedOp,
  workload: Workload,
  client: KvClient,
  opTimeoutMs: number,
  nodeIndex: number,
): Promise<OpOutcome> {
  const pending = recorder.invoke(process, op.f, op.key, op.value, { node: nodeIndex });
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = kvUnknown('TIMEOUT', `${op.f} ${op.key} took longer than ${opTimeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, opTimeoutMs);
  });
  let result: OpResult;
  try {
    result = await Promise.race([workload.execute(op, client, { signal: controller.signal }), timeout]);
  } catch (error: unknown) {
    const type = completionTypeOfError(error);
    recorder.complete(pending, type, op.value, describeError(error));
    return { type };
  } finally {
    clearTimeout(timer);
  }
  recorder.complete(pending, result.type, result.value, undefined, result.facts);
  return { type: result.type };
}

export interface WorkerOptions {
  readonly workerIndex: number;
  readonly nodeIndex: number;
  readonly recorder: HistoryRecorder;
  readonly workload: Workload;
  readonly client: KvClient;
  readonly rng: SeededRng;
  readonly opTimeoutMs: number;
  /** Mean pause between a worker's operations (uniform in [0, 2×mean]); 0 = back to back. */
  readonly thinkMsMean: number;
  /** Checked before each operation. */
  readonly shouldContinue: () => boolean;
}

export interface WorkerStats {
  readonly workerIndex: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly processesUsed: number;
}

export async function runWorker(options: WorkerOptions): Promise<WorkerStats> {
  const counts = { ok: 0, fail: 0, info: 0 };
  let process = options.recorder.newProcess();
  let processesUsed = 1;
  while (options.shouldContinue()) {
    const op = options.workload.nextOp(options.rng);
    const outcome = await performOp(options.recorder, process, op, options.workload, options.client, options.opTimeoutMs, options.nodeIndex);
    counts[outcome.type] += 1;
    if (outcome.type === 'info') {
      process = options.recorder.newProcess();
      processesUsed += 1;
    }
    if (options.thinkMsMean > 0) await sleep(options.rng.float() * 2 * options.thinkMsMean);
  }
  return { workerIndex: options.workerIndex, ...counts, processesUsed };
}
