import { invariant } from '../raft/assert.js';
import type { Entry, HardState, LogIndex, Snapshot } from '../raft/types.js';
import type { MvccMutation } from './mvcc-types.js';
import type { LocalMutation } from './range-local-types.js';
import type { AppliedState, RangeInit } from './range-state.js';
import type { StagedSnapshot } from './snapshot-receiver.js';

/**
 * One operation of a write batch. Operations run in the order they were added; several may name
 * the same range (e.g. append, then hard state, then apply).
 */
export type BatchOp =
  | { readonly kind: 'createRange'; readonly rangeId: number; readonly init: RangeInit }
  | { readonly kind: 'append'; readonly rangeId: number; readonly entries: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly rangeId: number; readonly hardState: HardState }
  | {
      readonly kind: 'apply';
      readonly rangeId: number;
      readonly applied: AppliedState;
      readonly mutations: readonly MvccMutation[];
      /** Changes to the range's local table (range-local-types.ts), in order. */
      readonly localMutations: readonly LocalMutation[];
    }
  | { readonly kind: 'truncateLog'; readonly rangeId: number; readonly throughIndex: LogIndex }
  | {
      readonly kind: 'installSnapshot';
      readonly rangeId: number;
      readonly snapshot: Snapshot;
      readonly staged: StagedSnapshot | null;
    }
  | { readonly kind: 'deleteRange'; readonly rangeId: number; readonly deleteSpanData: boolean; readonly tombstoneNextReplicaId: number }
  /** MVCC changes not tied to applying raft entries: local garbage collection. */
  | { readonly kind: 'mvccLocal'; readonly mutations: readonly MvccMutation[] }
  | { readonly kind: 'markBootstrapped'; readonly atMs: number };

const noLocalMutations: readonly LocalMutation[] = Object.freeze([]);

export interface CommitStats {
  readonly entriesAppended: number;
  readonly mutationsApplied: number;
  readonly localMutationsApplied: number;
  readonly rangesTouched: number;
  /** False for an empty batch, which commits nothing and costs no fsync. */
  readonly durableWrite: boolean;
}

/** Implemented by the Store: the only writer of the database. */
export interface BatchCommitter {
  commitBatch(batch: WriteBatch, options: CommitOptions): CommitStats;
}

export interface CommitOptions {
  /**
   * Default true: the commit is fsynced (survives power loss) before `commit()` returns.
   *
   * `false` is for batches whose loss on power failure is harmless because it can be recomputed:
   * applied state (mutations, applied index, range-local writes, log truncation) whose log entries
   * are already durable, and commit-index-only hard states. Such a commit survives kill -9 (it is in
   * the OS page cache) and becomes durable with the next fsynced commit: the WAL is one sequential
   * file, so power loss keeps a prefix of commits, and a later synced commit (or checkpoint) makes
   * everything before it durable. After a power cut the node simply re-applies from the log.
   * Never use it for log appends, votes or terms, snapshot installs, or range creation.
   */
  readonly sync?: boolean;
}

/**
 * Group commit: collects everything all groups of the store produced in one loop turn — log
 * appends (an append at index i replaces the range's entries ≥ i), hard states, applied mutations
 * with their applied index, truncations, snapshots, range creation and deletion — and `commit()`
 * writes it all in ONE SQLite transaction, i.e. one WAL fsync.
 *
 * Contract: `commit()` returns only once the batch is durable (survives power loss, see
 * sqlite-settings.ts); only then does the store's in-memory view (RangeLogStorage, entry cache)
 * change. Nothing that depends on the batch — a raft message, a client ack — may leave before
 * `commit()` returns. If it throws, nothing of the batch was written; an I/O failure also fences
 * the store (every later commit fails with FENCED).
 *
 * Entries, hard states and mutations are held by reference until commit: do not mutate them.
 */
export class WriteBatch {
  private readonly opList: BatchOp[] = [];
  /** Set when commit() is called, whether or not it succeeds: a batch is never committed twice. */
  private consumed = false;

  constructor(private readonly committer: BatchCommitter) {}

  get ops(): readonly BatchOp[] {
    return this.opList;
  }

  get isEmpty(): boolean {
    return this.opList.length === 0;
  }

  /** Creates a replica's state (like MemoryStorage.bootstrap): empty log, empty hard state, applied 0. */
  createRange(rangeId: number, init: RangeInit): this {
    return this.push({ kind: 'createRange', rangeId, init });
  }

  /** Appends entries, first removing every existing entry at or after the first new index. */
  append(rangeId: number, entries: readonly Entry[]): this {
    if (entries.length === 0) return this;
    return this.push({ kind: 'append', rangeId, entries });
  }

  setHardState(rangeId: number, hardState: HardState): this {
    return this.push({ kind: 'hardState', rangeId, hardState });
  }

  /**
   * Records that entries up to `applied.index` are applied, together with the MVCC mutations and
   * the range-local table changes they produced: all land in the same transaction, so after a
   * crash replay resumes at exactly applied.index + 1 and finds the local table (e.g. the
   * exactly-once sessions) exactly as of applied.index. Local mutations run in the given order.
   */
  apply(
    rangeId: number,
    applied: AppliedState,
    mutations: readonly MvccMutation[],
    localMutations: readonly LocalMutation[] = noLocalMutations,
  ): this {
    return this.push({ kind: 'apply', rangeId, applied, mutations, localMutations });
  }

  /** Discards log entries ≤ throughIndex (which must be applied); term(throughIndex) stays answerable. */
  truncateLog(rangeId: number, throughIndex: LogIndex): this {
    return this.push({ kind: 'truncateLog', rangeId, throughIndex });
  }

  /**
   * Replaces the range's log by a snapshot (like MemoryStorage.applySnapshot) and sets the applied
   * index, term and membership to the snapshot's. With `staged`, also replaces every MVCC record of
   * the snapshot's span and the range's whole local table by the staged data and takes span and
   * descriptor from it — all in this batch's one transaction. Without it, only raft state changes
   * and `snapshot.data` becomes the descriptor (for a state machine that travels in
   * `snapshot.data`, and for tests); MVCC data and local table stay as they are.
   */
  installSnapshot(rangeId: number, snapshot: Snapshot, staged: StagedSnapshot | null): this {
    return this.push({ kind: 'installSnapshot', rangeId, snapshot, staged });
  }

  /**
   * Removes a replica: its log, hard state, applied state, its range-local table — and, with `deleteSpanData`, every MVCC
   * record in its span (false when the span's data now belongs to another local range, e.g. a merge). With
   * `tombstoneNextReplicaId`, the range's tombstone is raised to it in the same transaction: no replica
   * of the range with a smaller id may be created on this store again (see Store.rangeTombstone).
   */
  deleteRange(rangeId: number, options: { readonly deleteSpanData: boolean; readonly tombstoneNextReplicaId?: number }): this {
    return this.push({ kind: 'deleteRange', rangeId, deleteSpanData: options.deleteSpanData, tombstoneNextReplicaId: options.tombstoneNextReplicaId ?? 0 });
  }

  /**
   * Records that this store has created its initial ranges (see Store.bootstrapped), in the same
   * transaction as the ranges: a store bootstraps once in its life, never again after a restart.
   */
  markBootstrapped(atMs: number): this {
    return this.push({ kind: 'markBootstrapped', atMs });
  }

  /** @internal MVCC changes not tied to raft apply (local GC). */
  mvccLocal(mutations: readonly MvccMutation[]): this {
    if (mutations.length === 0) return this;
    return this.push({ kind: 'mvccLocal', mutations });
  }

  /** Writes the batch durably (one transaction, one fsync; see CommitOptions.sync). A batch is committed at most once. */
  commit(options: CommitOptions = {}): CommitStats {
    invariant(!this.consumed, 'write batch committed twice');
    this.consumed = true;
    return this.committer.commitBatch(this, options);
  }

  private push(op: BatchOp): this {
    invariant(!this.consumed, 'write batch changed after commit');
    this.opList.push(op);
    return this;
  }
}
