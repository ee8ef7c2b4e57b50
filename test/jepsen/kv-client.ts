/**
 * What the workloads need from a database under test: a key-value client on string keys with JSON
 * values, and a way to say, when a call throws, whether it certainly took no effect.
 *
 * Values are any JSON except null: null is what `get` returns for a key that has no value, and what
 * `cas` expects when it should only succeed on an absent key. A client must encode values
 * deterministically (the same JSON value always as the same bytes), because `cas` compares the
 * stored value with `expected` and a workload passes back exactly what it read.
 *
 * Errors: a call either resolves, or rejects with a KvError whose `outcome` says what the harness
 * may conclude. 'failed' — the operation certainly did not take effect (connection refused before
 * anything was sent, NOT_LEADER before proposing, a definite rejection): it is recorded as `fail`.
 * 'unknown' — it may have taken effect, now or later (timeout, connection lost after sending,
 * OUTCOME_UNKNOWN): it is recorded as `info`. Anything thrown that is not a KvError is treated as
 * unknown, which is always safe.
 */
import type { JsonValue } from './json-value.js';

export interface KvCallOptions {
  /**
   * Aborted when the harness stops waiting (the op timeout). The call should then give up promptly
   * and reject with an unknown-outcome KvError; the harness does not wait for it in any case.
   */
  readonly signal: AbortSignal;
}

/**
 * What a compare-and-swap answered. Not swapped means certainly not applied because the compare did
 * not match (the key's value was not `expected`): a definite answer about the data, recorded as a
 * `fail` with `mismatch` (history.ts). A refusal for any other reason is a KvError instead.
 */
export type CasResult =
  | { readonly swapped: true }
  | {
      readonly swapped: false;
      /** The value the database found instead (null: none), when it said; absent when it did not. */
      readonly current?: JsonValue;
    };

export interface KvClient {
  /** The key's value, or null when it has none. */
  get(key: string, options: KvCallOptions): Promise<JsonValue>;
  /** Sets the key's value (not null). */
  put(key: string, value: JsonValue, options: KvCallOptions): Promise<void>;
  /**
   * Sets the key to `next` iff its current value equals `expected` (null: the key has no value).
   * Resolves `swapped: true` if it swapped, `swapped: false` if it certainly did not because the
   * value differed (with the value found, when the database reports it).
   */
  cas(key: string, expected: JsonValue, next: JsonValue, options: KvCallOptions): Promise<CasResult>;
  /** Removes the key's value (a no-op when it has none). */
  delete(key: string, options: KvCallOptions): Promise<void>;
  /** Releases connections; calls in flight may reject. */
  close(): Promise<void>;
}

/** Codes a client may use; new ones can be added, the outcome is what the harness acts on. */
export type KvErrorCode =
  // certainly no effect
  | 'UNAVAILABLE'
  | 'NOT_LEADER'
  | 'CONNECTION_REFUSED'
  | 'INVALID_ARGUMENT'
  | 'REJECTED'
  // outcome unknown
  | 'TIMEOUT'
  | 'ABORTED'
  | 'CONNECTION_LOST'
  | 'OUTCOME_UNKNOWN'
  | 'BAD_RESPONSE';

export type KvOutcome = 'failed' | 'unknown';

export class KvError extends Error {
  constructor(
    readonly code: KvErrorCode,
    readonly outcome: KvOutcome,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'KvError';
  }
}

/** The call certainly did not take effect. */
export function kvFailed(code: KvErrorCode, detail: string): KvError {
  return new KvError(code, 'failed', detail);
}

/** The call may have taken effect. */
export function kvUnknown(code: KvErrorCode, detail: string): KvError {
  return new KvError(code, 'unknown', detail);
}

/** How a thrown value is recorded: `fail` only for a KvError that says so, `info` otherwise. */
export function completionTypeOfError(error: unknown): 'fail' | 'info' {
  return error instanceof KvError && error.outcome === 'failed' ? 'fail' : 'info';
}

/** A short description of a thrown value, for logs and the `error` field of a history event. */
export function describeError(error: unknown): string {
  if (error instanceof KvError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
