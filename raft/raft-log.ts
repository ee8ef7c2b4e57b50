import { invariant } from './assert.js';
import { isRaftStorageError, type RaftStorage } from './storage.js';
import { Unstable } from './unstable.js';
import { entrySizeBytes, type Entry, type LogIndex, type Snapshot, type Term } from './types.js';

/**
 * A node's view of the log: durable entries behind the RaftStorage interface plus the unstable
 * tail not yet persisted. Tracks `committed` (known replicated on a quorum) and `applied` (handed
 * to the application and acknowledged by advance). Invariant: applied ≤ committed ≤ lastIndex.
 */
export class RaftLog {
  readonly unstable: Unstable;
  committed: LogIndex;
  applied: LogIndex;
  /** Highest index handed to the application in a Ready and not yet reported applied (≥ applied). */
  applying: LogIndex;

  constructor(
    readonly storage: RaftStorage,
    applied: LogIndex,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    // Everything in the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
    if (applied > this.applied) {
      invariant(applied <= last, () => `applied ${applied} beyond last index ${last}`);
      this.applied = applied;
    }
    this.applying = this.applied;
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): Term {
    const t = this.term(this.lastIndex());
    invariant(t !== undefined, 'term of the last index is unknown');
    return t;
  }

  /** Term at `index`, or undefined when the index is compacted away or beyond the log. */
  term(index: LogIndex): Term | undefined {
    const dummyIndex = this.firstIndex() - 1;
    if (index < dummyIndex || index > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    try {
      return this.storage.term(index);
    } catch (e) {
      if (isRaftStorageError(e, 'COMPACTED') || isRaftStorageError(e, 'UNAVAILABLE')) return undefined;
      throw e;
    }
  }

  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries: if our log holds (index, logTerm), append `ents` after it,
   * dropping any conflicting suffix, advance commit, and return the index of the last new entry.
   * Returns undefined when the consistency check fails.
   */
  maybeAppend(index: LogIndex, logTerm: Term, committed: LogIndex, ents: readonly Entry[]): LogIndex | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      invariant(conflict > this.committed, () => `entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): LogIndex {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    invariant(after >= this.committed, () => `append after ${after} would overwrite committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry in `ents` whose term disagrees with ours, or the first one beyond
   * our log; 0 when every entry is already present.
   */
  findConflict(ents: readonly Entry[]): LogIndex {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with that term (0 if unknown because
   * compacted). Used on both sides of a rejected append to skip a whole conflicting term at once.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    for (let i = index; i > 0; i--) {
      const ours = this.term(i);
      if (ours === undefined) return { index: i, term: 0 };
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: LogIndex): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Leader: commit `index` if a quorum holds it and it is from the current term (§5.4.2). */
  maybeCommit(index: LogIndex, term: Term): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: LogIndex): void {
    if (index === 0) return;
    invariant(index <= this.committed, () => `applied ${index} beyond committed ${this.committed}`);
    invariant(index >= this.applied, () => `applied ${index} goes back from ${this.applied}`);
    this.applied = index;
    if (this.applying < index) this.applying = index;
  }

  stableTo(index: LogIndex, term: Term): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: LogIndex): void {
    this.unstable.stableSnapTo(index);
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet applied, bounded by bytes (at least one if any). None while a snapshot is pending. */
  nextCommittedEntries(maxSizeBytes: number): Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    const ents = this.slice(lo, this.committed + 1, maxSizeBytes);
    invariant(ents !== undefined, () => `committed entries from ${lo} were compacted before being applied`);
    return ents;
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log by a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  /**
   * Entries [lo, hi) bounded by bytes (at least one entry if lo < hi), or undefined when lo is
   * compacted away. Reads storage for the durable part and the unstable tail for the rest.
   */
  slice(lo: LogIndex, hi: LogIndex, maxSizeBytes: number): Entry[] | undefined {
    invariant(lo <= hi, () => `slice lo ${lo} > hi ${hi}`);
    if (lo < this.firstIndex()) return undefined;
    invariant(hi <= this.lastIndex() + 1, () => `slice hi ${hi} beyond last index ${this.lastIndex()}`);
    if (lo === hi) return [];
    const out: Entry[] = [];
    let sizeBytes = 0;
    const offset = this.unstable.offset;
    if (lo < offset) {
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, Math.min(hi, offset), maxSizeBytes);
      } catch (e) {
        if (isRaftStorageError(e, 'COMPACTED')) return undefined;
        throw e;
      }
      for (const e of stored) {
        sizeBytes += entrySizeBytes(e);
        out.push(e);
      }
      // Storage stopped early on the size bound: return what we have.
      if (out.length < Math.min(hi, offset) - lo) return out;
    }
    if (hi > offset) {
      for (const e of this.unstable.slice(Math.max(lo, offset), hi)) {
        sizeBytes += entrySizeBytes(e);
        if (out.length > 0 && sizeBytes > maxSizeBytes) break;
        out.push(e);
      }
    }
    return out;
  }
}
