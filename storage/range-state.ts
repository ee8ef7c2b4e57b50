import type { ConfState, HardState, LogIndex, Term } from '../raft/types.js';
import type { KeySpan } from './key-span.js';

/**
 * Everything the store keeps in memory about one range's replica, mirroring its rows in
 * range_hard_state, range_log_state and range_apply_state (plus the last log index). Replaced as a
 * whole object after each commit that changes it, never mutated in place, so a reader holding the
 * previous object sees a consistent (older) picture.
 */
export interface RangeState {
  readonly rangeId: number;
  /** The log is (truncatedIndex, lastIndex]; truncatedIndex is the "dummy entry" at firstIndex - 1. */
  readonly truncatedIndex: LogIndex;
  readonly truncatedTerm: Term;
  readonly lastIndex: LogIndex;
  readonly hardState: HardState;
  readonly appliedIndex: LogIndex;
  readonly appliedTerm: Term;
  /** Membership as of the applied index (what the node restarts with). */
  readonly confState: ConfState;
  readonly span: KeySpan;
  /** Opaque range descriptor owned by the node layer. */
  readonly descriptor: Uint8Array;
}

/** What a new replica starts from (like MemoryStorage.bootstrap). */
export interface RangeInit {
  readonly span: KeySpan;
  readonly descriptor: Uint8Array;
  readonly confState: ConfState;
}

/** The applied state a batch records together with the mutations of the entries it applied. */
export interface AppliedState {
  readonly index: LogIndex;
  readonly term: Term;
  /** The membership after this apply, when a conf change was applied (persisted with the applied index). */
  readonly confState?: ConfState;
  /** Set when an applied entry changed the range (split, merge, epoch bump). */
  readonly span?: KeySpan;
  readonly descriptor?: Uint8Array;
}
