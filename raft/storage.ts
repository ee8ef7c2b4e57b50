import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from './types.js';

export type RaftStorageErrorCode =
  /** The requested index is below the first retained index (compacted into a snapshot). */
  | 'COMPACTED'
  /** The requested index is above the last index. */
  | 'UNAVAILABLE'
  /** A snapshot is being prepared; ask again later. The core retries on a later tick. */
  | 'SNAPSHOT_TEMPORARILY_UNAVAILABLE';

export class RaftStorageError extends Error {
  constructor(
    readonly code: RaftStorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RaftStorageError';
  }
}

export function isRaftStorageError(e: unknown, code?: RaftStorageErrorCode): e is RaftStorageError {
  return e instanceof RaftStorageError && (code === undefined || e.code === code);
}

/**
 * What the raft core reads from stable storage. The core never writes through this interface: it
 * hands entries, hard state and snapshots to the application in a Ready, and the application makes
 * them durable (then calls `advance`). Implementations must therefore reflect everything persisted
 * by previous Readies, and nothing else.
 *
 * The log is the entries (firstIndex - 1, lastIndex]: index firstIndex - 1 is the last entry folded
 * into the snapshot, whose term is still answerable by `term()`.
 */
export interface RaftStorage {
  /**
   * The persisted hard state, and the membership as of the applied index the node restarts with
   * (`RaftConfigInput.appliedIndex`). Membership changes are not replayed for entries at or below
   * that index, so the application must persist the ConfState it gets from `applyConfChange`
   * atomically with its applied state. Read once when the node starts.
   */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState };
  /**
   * Entries [lo, hi), stopping early once their total size would exceed `maxSizeBytes`, but always
   * returning at least one entry when lo < hi. Throws COMPACTED if lo < firstIndex, UNAVAILABLE if
   * hi > lastIndex + 1.
   */
  entries(lo: LogIndex, hi: LogIndex, maxSizeBytes: number): Entry[];
  /** Term of the entry at `index`, for index in [firstIndex - 1, lastIndex]. Throws COMPACTED / UNAVAILABLE. */
  term(index: LogIndex): Term;
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  /**
   * A snapshot to send to a follower that needs compacted entries. It must be recent enough to
   * include every current member in its ConfState (a snapshot generated at the applied index is);
   * the core does not send a snapshot to a node it does not contain. May throw
   * SNAPSHOT_TEMPORARILY_UNAVAILABLE while one is being built; the core asks again later.
   */
  snapshot(): Snapshot;
}
