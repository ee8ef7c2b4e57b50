import { invariant } from '../raft/assert.js';
import { entrySizeBytes, type Entry, type LogIndex } from '../raft/types.js';

/**
 * The most recent raft log entries of every range on the store, bounded in bytes store-wide.
 *
 * Each range caches one contiguous run of its log that always ends at its last index: entries are
 * added only by appends after they are durable, and the hot readers — the leader sending new
 * entries to followers, the apply loop reading just-committed entries — ask for the tail. Old
 * entries are read from SQLite (and checksum-verified there).
 *
 * Eviction is first-in first-out over appends, across ranges: every append leaves a record
 * (range, last index of the append); when the cache is over budget the oldest record is popped and
 * its range's entries up to that index are dropped. That keeps each range's run contiguous and
 * makes eviction O(1) per append without an LRU list per entry. Records made stale by truncation
 * or overwrite only make eviction a little eager, never wrong. The record queue is itself bounded.
 */
interface Segment {
  /** entries[head] has index `firstIndex`; the live part is entries[head..]. */
  entries: Entry[];
  head: number;
  firstIndex: LogIndex;
  sizeBytes: number;
}

interface AppendRecord {
  readonly rangeId: number;
  readonly throughIndex: LogIndex;
}

export class EntryCache {
  private readonly segments = new Map<number, Segment>();
  private queue: AppendRecord[] = [];
  private queueHead = 0;
  private totalBytes = 0;

  constructor(
    readonly bytesMax: number,
    /** Bound on pending eviction records; past it the oldest are evicted regardless of bytes. */
    readonly appendRecordsMax = 1 << 16,
  ) {
    invariant(Number.isSafeInteger(bytesMax) && bytesMax >= 0, `entry cache bytesMax must be ≥ 0, got ${bytesMax}`);
    invariant(appendRecordsMax >= 1, 'entry cache appendRecordsMax must be ≥ 1');
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }

  get(rangeId: number, index: LogIndex): Entry | undefined {
    const seg = this.segments.get(rangeId);
    if (seg === undefined) return undefined;
    const offset = index - seg.firstIndex;
    if (offset < 0) return undefined;
    return seg.entries[seg.head + offset];
  }

  /** First cached index of the range, or undefined when nothing of it is cached. */
  firstIndex(rangeId: number): LogIndex | undefined {
    const seg = this.segments.get(rangeId);
    return seg === undefined ? undefined : seg.firstIndex;
  }

  /** Appends entries that directly follow the cached run (or start a new run when none is cached). */
  append(rangeId: number, entries: readonly Entry[]): void {
    if (entries.length === 0 || this.bytesMax === 0) return;
    const first = entries[0]!;
    let seg = this.segments.get(rangeId);
    if (seg !== undefined) {
      const next = seg.firstIndex + seg.entries.length - seg.head;
      invariant(first.index === next, () => `entry cache of range ${rangeId}: append at ${first.index}, expected ${next}`);
    } else {
      seg = { entries: [], head: 0, firstIndex: first.index, sizeBytes: 0 };
      this.segments.set(rangeId, seg);
    }
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      invariant(e.index === first.index + i, 'entry cache: appended entries are not contiguous');
      seg.entries.push(e);
      bytes += entrySizeBytes(e);
    }
    seg.sizeBytes += bytes;
    this.totalBytes += bytes;
    this.queue.push({ rangeId, throughIndex: entries[entries.length - 1]!.index });
    this.evict();
  }

  /** Drops cached entries with index ≥ `index` (a suffix being overwritten). */
  truncateFrom(rangeId: number, index: LogIndex): void {
    const seg = this.segments.get(rangeId);
    if (seg === undefined) return;
    const keep = Math.max(0, index - seg.firstIndex);
    const live = seg.entries.length - seg.head;
    if (keep >= live) return;
    if (keep === 0) {
      this.dropRange(rangeId);
      return;
    }
    let bytes = 0;
    for (let i = seg.head + keep; i < seg.entries.length; i++) bytes += entrySizeBytes(seg.entries[i]!);
    seg.entries.length = seg.head + keep;
    seg.sizeBytes -= bytes;
    this.totalBytes -= bytes;
  }

  /** Drops cached entries with index < `index` (compacted or evicted). */
  dropBelow(rangeId: number, index: LogIndex): void {
    const seg = this.segments.get(rangeId);
    if (seg === undefined) return;
    const drop = index - seg.firstIndex;
    if (drop <= 0) return;
    const live = seg.entries.length - seg.head;
    if (drop >= live) {
      this.dropRange(rangeId);
      return;
    }
    let bytes = 0;
    for (let i = seg.head; i < seg.head + drop; i++) bytes += entrySizeBytes(seg.entries[i]!);
    seg.head += drop;
    seg.firstIndex += drop;
    seg.sizeBytes -= bytes;
    this.totalBytes -= bytes;
    if (seg.head > 64 && seg.head * 2 > seg.entries.length) {
      seg.entries = seg.entries.slice(seg.head);
      seg.head = 0;
    }
  }

  dropRange(rangeId: number): void {
    const seg = this.segments.get(rangeId);
    if (seg === undefined) return;
    this.totalBytes -= seg.sizeBytes;
    this.segments.delete(rangeId);
  }

  private evict(): void {
    while (this.totalBytes > this.bytesMax || this.queue.length - this.queueHead > this.appendRecordsMax) {
      const rec = this.queue[this.queueHead];
      if (rec === undefined) break;
      this.queueHead++;
      this.dropBelow(rec.rangeId, rec.throughIndex + 1);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    invariant(this.totalBytes >= 0, 'entry cache size went negative');
  }
}
