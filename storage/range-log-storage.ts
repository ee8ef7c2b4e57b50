import { RaftStorageError, type RaftStorage } from '../raft/storage.js';
import { entrySizeBytes, type ConfState, type Entry, type HardState, type LogIndex, type Snapshot, type Term } from '../raft/types.js';
import type { EntryCache } from './entry-cache.js';
import type { KeySpan } from './key-span.js';
import type { LogReader } from './log-reader.js';
import type { RangeState } from './range-state.js';

/** What a RangeLogStorage reads through; implemented by the Store. */
export interface RangeLogSource {
  /** The range's current durable state; throws RANGE_NOT_FOUND once the range is deleted, CLOSED after close. */
  rangeState(rangeId: number): RangeState;
  readonly entryCache: EntryCache;
  readonly logReader: LogReader;
}

/**
 * The raft core's view of one range's durable log, with MemoryStorage's semantics: the log is
 * (firstIndex - 1, lastIndex], the term of firstIndex - 1 (the truncation point) stays answerable,
 * `entries` returns at least one entry, and COMPACTED / UNAVAILABLE are thrown the same way.
 *
 * It only ever reflects committed WriteBatches: the Store swaps in the new RangeState after the
 * SQLite transaction is durable. Reads hit the entry cache for the log's tail and SQLite (with
 * checksum verification) for anything older.
 */
export class RangeLogStorage implements RaftStorage {
  cacheHits = 0;
  cacheMisses = 0;

  constructor(
    readonly rangeId: number,
    private readonly source: RangeLogSource,
  ) {}

  private state(): RangeState {
    return this.source.rangeState(this.rangeId);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    const s = this.state();
    return { hardState: s.hardState, confState: s.confState };
  }

  entries(lo: LogIndex, hi: LogIndex, maxSizeBytes: number): Entry[] {
    const s = this.state();
    if (lo <= s.truncatedIndex) {
      throw new RaftStorageError('COMPACTED', `entries from ${lo}: compacted through ${s.truncatedIndex}`);
    }
    if (hi > s.lastIndex + 1) {
      throw new RaftStorageError('UNAVAILABLE', `entries to ${hi}: last index is ${s.lastIndex}`);
    }
    const out: Entry[] = [];
    if (lo >= hi) return out;
    const cache = this.source.entryCache;
    const cachedFrom = cache.firstIndex(this.rangeId) ?? hi;
    let sizeBytes = 0;
    if (lo < cachedFrom) {
      this.cacheMisses++;
      sizeBytes = this.source.logReader.readInto(this.rangeId, lo, Math.min(hi, cachedFrom), maxSizeBytes, out, 0);
      if (sizeBytes < 0) return out;
    } else {
      this.cacheHits++;
    }
    for (let i = Math.max(lo, cachedFrom); i < hi; i++) {
      const e = cache.get(this.rangeId, i);
      if (e === undefined) {
        // Evicted between firstIndex() and here cannot happen (single-threaded), but a cache is
        // never the source of truth: fall back to SQLite for the rest.
        this.source.logReader.readInto(this.rangeId, i, hi, maxSizeBytes, out, sizeBytes);
        return out;
      }
      sizeBytes += entrySizeBytes(e);
      if (out.length > 0 && sizeBytes > maxSizeBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: LogIndex): Term {
    const s = this.state();
    if (index < s.truncatedIndex) {
      throw new RaftStorageError('COMPACTED', `term of ${index}: compacted through ${s.truncatedIndex}`);
    }
    if (index === s.truncatedIndex) return s.truncatedTerm;
    if (index > s.lastIndex) {
      throw new RaftStorageError('UNAVAILABLE', `term of ${index}: last index is ${s.lastIndex}`);
    }
    const cached = this.source.entryCache.get(this.rangeId, index);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached.term;
    }
    this.cacheMisses++;
    return this.source.logReader.readOne(this.rangeId, index).term;
  }

  firstIndex(): LogIndex {
    return this.state().truncatedIndex + 1;
  }

  lastIndex(): LogIndex {
    return this.state().lastIndex;
  }

  /**
   * A snapshot of the applied state, generated on demand: metadata (applied index, its term, the
   * membership as of it) and, as data, the range descriptor. The MVCC data itself is streamed by
   * `Store.openSnapshotStream`, whose header carries the applied index it was read at.
   *
   * Deliberately unlike MemoryStorage (which returns the last snapshot created): raft/storage.ts
   * asks for a snapshot recent enough to include every current member, and one at the applied
   * index always is, so there is no stored snapshot to go stale.
   */
  snapshot(): Snapshot {
    const s = this.state();
    return {
      metadata: { index: s.appliedIndex, term: s.appliedTerm, confState: s.confState },
      data: s.descriptor,
    };
  }

  /** Beyond RaftStorage: what the node's apply loop and the snapshot sender need. */
  hardState(): HardState {
    return this.state().hardState;
  }

  appliedIndex(): LogIndex {
    return this.state().appliedIndex;
  }

  appliedTerm(): Term {
    return this.state().appliedTerm;
  }

  span(): KeySpan {
    return this.state().span;
  }

  descriptor(): Uint8Array {
    return this.state().descriptor;
  }
}
