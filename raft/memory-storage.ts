import { invariant } from './assert.js';
import { bootstrapHardState, bootstrapSnapshot } from './bootstrap.js';
import { RaftStorageError, type RaftStorage } from './storage.js';
import {
  emptyConfState,
  emptyHardState,
  entrySizeBytes,
  type ConfState,
  type Entry,
  type HardState,
  type LogIndex,
  type Snapshot,
  type Term,
} from './types.js';

/**
 * RaftStorage held in memory: for tests, the simulator and benchmarks. What is written here is what
 * "survived" — the simulator keeps a node's MemoryStorage across a crash and drops everything else.
 *
 * `ents[0]` is a dummy entry standing for the snapshot point (its index and term), so that the term
 * of firstIndex - 1 stays answerable after compaction.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = emptyHardState;
  private confState: ConfState;
  private snap: Snapshot;
  private ents: Entry[];

  constructor(snapshot?: Snapshot) {
    this.snap = snapshot ?? {
      metadata: { index: 0, term: 0, confState: emptyConfState },
      data: new Uint8Array(0),
    };
    this.ents = [dummy(this.snap.metadata.index, this.snap.metadata.term)];
    this.confState = this.snap.metadata.confState;
  }

  /** Storage of an initial member of a new group whose membership is `confState` (see bootstrap.ts). */
  static bootstrap(confState: ConfState, data?: Uint8Array): MemoryStorage {
    const s = new MemoryStorage(bootstrapSnapshot(confState, data));
    s.setHardState(bootstrapHardState);
    return s;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.confState };
  }

  /** Records the membership after applying a conf change (persisted with the applied state). */
  setConfState(cs: ConfState): void {
    this.confState = cs;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  entries(lo: LogIndex, hi: LogIndex, maxSizeBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new RaftStorageError('COMPACTED', `entries from ${lo}: compacted through ${offset}`);
    if (hi > this.lastIndex() + 1) {
      throw new RaftStorageError('UNAVAILABLE', `entries to ${hi}: last index is ${this.lastIndex()}`);
    }
    const out: Entry[] = [];
    let sizeBytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - offset];
      invariant(e !== undefined, 'memory storage hole');
      sizeBytes += entrySizeBytes(e);
      if (out.length > 0 && sizeBytes > maxSizeBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: LogIndex): Term {
    const offset = this.offset();
    if (index < offset) throw new RaftStorageError('COMPACTED', `term of ${index}: compacted through ${offset}`);
    const e = this.ents[index - offset];
    if (e === undefined) throw new RaftStorageError('UNAVAILABLE', `term of ${index}: last index is ${this.lastIndex()}`);
    return e.term;
  }

  firstIndex(): LogIndex {
    return this.offset() + 1;
  }

  lastIndex(): LogIndex {
    return this.offset() + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    invariant(
      snapshot.metadata.index >= this.snap.metadata.index,
      () => `snapshot ${snapshot.metadata.index} older than ${this.snap.metadata.index}`,
    );
    this.snap = snapshot;
    this.ents = [dummy(snapshot.metadata.index, snapshot.metadata.term)];
    this.confState = snapshot.metadata.confState;
  }

  /**
   * Records a snapshot the application took at `index` (≤ applied), replacing the previous one.
   * Does not compact: call `compact` for that, possibly keeping a tail for slow followers.
   */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): Snapshot {
    invariant(index > this.snap.metadata.index, () => `snapshot at ${index} not newer than ${this.snap.metadata.index}`);
    invariant(index <= this.lastIndex(), () => `snapshot at ${index} beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries up to and including `index`, which must be covered by a snapshot or applied state. */
  compact(index: LogIndex): void {
    const offset = this.offset();
    if (index <= offset) return;
    invariant(index <= this.lastIndex(), () => `compact ${index} beyond last index ${this.lastIndex()}`);
    const at = this.ents[index - offset];
    invariant(at !== undefined, 'compact: missing entry');
    this.ents = [dummy(at.index, at.term), ...this.ents.slice(index - offset + 1)];
  }

  /**
   * Appends entries, overwriting any conflicting suffix. Entries below the first index are ignored
   * (already compacted); a gap after the last index is a bug.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const firstNew = entries[0]!.index;
    const last = entries[entries.length - 1]!.index;
    if (last < first) return;
    const skip = firstNew < first ? first - firstNew : 0;
    const start = firstNew + skip;
    invariant(start <= this.lastIndex() + 1, () => `append at ${start} leaves a gap after ${this.lastIndex()}`);
    // Drop any suffix the new entries overwrite, then append in place (no copy of the retained log).
    const keep = start - this.offset();
    if (keep < this.ents.length) this.ents.length = keep;
    for (let i = skip; i < entries.length; i++) this.ents.push(entries[i]!);
  }

  private offset(): LogIndex {
    return this.ents[0]!.index;
  }
}

function dummy(index: LogIndex, term: Term): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) };
}
