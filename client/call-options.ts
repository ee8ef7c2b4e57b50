import type { ReadConsistency__Output } from '../proto/generated/rangekv/v1/ReadConsistency.js';

/**
 * - linearizable: confirmed with the range leader (the default).
 * - follower: any replica, once it has applied the leader's read index; still linearizable.
 * - session: any replica's applied state, never older than this client's session token: reads
 *   your own writes and never goes back in time, may be stale with respect to other clients.
 */
export type ReadConsistency = 'linearizable' | 'follower' | 'session';

export const readConsistencies: readonly ReadConsistency[] = ['linearizable', 'follower', 'session'];

export function consistencyToWire(c: ReadConsistency): ReadConsistency__Output {
  switch (c) {
    case 'linearizable':
      return 'READ_CONSISTENCY_LINEARIZABLE';
    case 'follower':
      return 'READ_CONSISTENCY_FOLLOWER';
    case 'session':
      return 'READ_CONSISTENCY_SESSION';
  }
}

export interface CallOptions {
  /** Time for the whole call, retries included. Default: the client's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Aborting gives up like a deadline: reads reject with DEADLINE_EXCEEDED, writes that may have been sent with OUTCOME_UNKNOWN. */
  readonly signal?: AbortSignal;
}

export interface ReadOptions extends CallOptions {
  readonly consistency?: ReadConsistency;
}

export interface ScanOptions extends ReadOptions {
  /** Inclusive; default the start of the keyspace. */
  readonly start?: Uint8Array | string;
  /** Exclusive; default (or empty) the end of the keyspace. */
  readonly end?: Uint8Array | string;
  /** Keys fetched per request (the server may cap it). Default: the client's `scanLimitPerPage`. */
  readonly limitPerPage?: number;
  /** Stop after this many keys in total. Default: no limit. */
  readonly limit?: number;
  /** Descending key order. */
  readonly reverse?: boolean;
  /** Values are returned empty. */
  readonly keysOnly?: boolean;
}
