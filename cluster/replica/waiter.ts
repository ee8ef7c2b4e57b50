import type { KvError } from '../../proto/kv-error.js';

/** A pending request's completion. Settled exactly once (later calls are ignored). */
export interface Waiter<T> {
  /** On the node's monotonic clock. */
  readonly deadlineAtMs: number;
  resolve(value: T): void;
  reject(error: KvError): void;
}
