import type { LogIndex } from '../../raft/index.js';
import type { MvccMutation } from '../../storage/index.js';
import type { KvError } from '../../proto/kv-error.js';
import type { RangeDescriptor } from '../../proto/range-descriptor.js';

/** Reads of a range's local replicated table (committed state). */
export interface RangeLocalReader {
  get(key: Uint8Array): Uint8Array | null;
  scan(opts: { prefix: Uint8Array; limit: number; after?: Uint8Array }): { key: Uint8Array; value: Uint8Array }[];
}

/** Writes to a range's local replicated table, applied in the same batch as the entries that made them. */
export type RangeLocalMutation =
  | { readonly op: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: Uint8Array };

/** The outcome of one applied entry, handed to the proposal waiting for it (if any). */
export type EntryOutcome<R> = { readonly ok: R } | { readonly error: KvError };

/**
 * What a range's committed entries are applied to. The replica owns everything raft-specific
 * (membership entries, applied index, snapshots); the state machine sees only the data of normal
 * entries. The KV data of a range is one (kv/kv-range-machine.ts); the placement driver's metadata
 * will be another, run by the same driver loop.
 *
 * Determinism is the contract: every replica applies the same entries in the same order and must
 * reach the same state and the same outcomes, whatever its clock or history.
 */
export interface ReplicatedStateMachine<R> {
  /** Starts applying one Ready's committed entries of a range, over its committed local table. */
  beginApply(local: RangeLocalReader): EntryApplier<R>;
  /** The result a proposal would get if applied now (only for the ackBeforeCommit fault switch). */
  guessResult(data: Uint8Array): R;
}

export interface EntryApplier<R> {
  /**
   * Applies one committed normal entry of the range `range` (as of this entry). Bad data — whatever
   * a buggy or hostile proposer could have put in the log — must give a deterministic error
   * outcome, never throw and never reach storage: a replica must not fence over replicated input.
   */
  apply(data: Uint8Array, index: LogIndex, range: RangeDescriptor): EntryOutcome<R>;
  /** Everything the applied entries changed, to commit in the batch with the new applied index. */
  finish(): { readonly mutations: readonly MvccMutation[]; readonly localMutations: readonly RangeLocalMutation[] };
}
