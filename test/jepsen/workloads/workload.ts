/**
 * A workload generates operations, performs them through a KvClient, and says which checker
 * judges the resulting history. Workers call nextOp/execute concurrently (interleaved on one
 * thread), so a workload's state (key rotation, element counters) is shared and needs no locks.
 *
 * To add one (bank and list-append come with transactions): implement this interface — if it
 * needs more than get/put/cas/delete, add an optional capability to KvClient (e.g.
 * `txn?(ops, options)`) and have the workload refuse clients without it — then register it in
 * workload-registry.ts with its checker model from run-checker.ts.
 */
import type { SeededRng } from '../../../raft/rng.js';
import type { FailureFacts } from '../history.js';
import type { JsonValue } from '../json-value.js';
import type { KvCallOptions, KvClient } from '../kv-client.js';
import type { CheckModel } from '../run-checker.js';

/** One operation as it appears in the history: `f`, `key`, and the invoke's `value`. */
export interface PlannedOp {
  readonly f: string;
  readonly key: string;
  readonly value: JsonValue;
}

/** How an operation ended when it did end: `ok` with its result, or `fail` (certainly no effect). */
export interface OpResult {
  readonly type: 'ok' | 'fail';
  readonly value: JsonValue;
  /**
   * On a `fail` refused because of the state it found (a cas whose compare did not match):
   * `mismatch`, and `current` when known, recorded on the completion (history.ts).
   */
  readonly facts?: FailureFacts;
}

export interface Workload {
  readonly name: string;
  readonly checkModel: CheckModel;
  /** The next operation to perform (any worker). */
  nextOp(rng: SeededRng): PlannedOp;
  /**
   * Performs `op`. Resolves ok or fail; throws a KvError with outcome 'failed' when it certainly
   * took no effect (recorded as fail) and anything else when the outcome is unknown (info).
   */
  execute(op: PlannedOp, client: KvClient, options: KvCallOptions): Promise<OpResult>;
  /** Keys in use now, for nemeses that aim at the range holding a key. */
  activeKeys(): readonly string[];
  /** Operations to perform once the cluster is healed, each until it succeeds once (e.g. final reads). */
  finalOps(): readonly PlannedOp[];
}

export interface WorkloadOptions {
  readonly concurrency: number;
}
