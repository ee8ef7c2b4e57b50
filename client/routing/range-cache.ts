import { compareBytes, type RangeDescriptor, type RangeEpoch, type RangeId, type StoreId } from '../../proto/range-descriptor.js';

/**
 * Where keys live, as far as this process knows: range descriptors keyed by start key, each with
 * the store believed to lead it. Used by the client library to route straight to leaders and by a
 * node's gateway to forward; it knows nothing of either (no I/O, no clock).
 *
 * The cache never holds two overlapping ranges. Which of two descriptors is newer:
 * - the same range id: the higher epoch (version first, then confVersion; both only grow);
 * - different range ids whose spans overlap: the higher `version`. A split gives both halves the
 *   parent's version + 1 and a merge gives the survivor max(both) + 1, so a range's version is
 *   higher than that of every range it replaced. On a tie the descriptor being inserted wins
 *   (it is the fresher news).
 * Inserting a descriptor evicts every cached range it overlaps; inserting one that is older than
 * anything it overlaps is refused (`'stale'`) and changes nothing.
 *
 * Bounded: at most `rangesMax` entries; past that the least recently used entry is dropped
 * (lookups and inserts count as use). A miss only costs a Locate.
 */
export interface RangeCacheEntry {
  readonly descriptor: RangeDescriptor;
  /** The store believed to lead the range; undefined when unknown. */
  readonly leaderStoreId: StoreId | undefined;
}

export interface RangeCacheOptions {
  /** Entries kept before the least recently used one is dropped. */
  readonly rangesMax: number;
}

export type RangeCacheInsertOutcome = 'inserted' | 'stale';

export class RangeCache {
  private readonly rangesMax: number;
  /** Sorted by start key; spans never overlap (so ends are sorted too). */
  private readonly byStart: RangeCacheEntry[] = [];
  /** The same entries by range id; Map order is the LRU order (oldest first). */
  private readonly byId = new Map<RangeId, RangeCacheEntry>();

  constructor(options: RangeCacheOptions) {
    if (!Number.isSafeInteger(options.rangesMax) || options.rangesMax < 1) {
      throw new RangeError(`rangesMax must be a positive integer, got ${options.rangesMax}`);
    }
    this.rangesMax = options.rangesMax;
  }

  get size(): number {
    return this.byStart.length;
  }

  /** The cached range containing `key`. */
  lookup(key: Uint8Array): RangeCacheEntry | undefined {
    const i = this.lastStartingAtOrBefore(key);
    if (i < 0) return undefined;
    const e = this.byStart[i]!;
    if (e.descriptor.end.length !== 0 && compareBytes(key, e.descriptor.end) >= 0) return undefined;
    this.touch(e);
    return e;
  }

  /**
   * The cached range holding the keys just below `end` (end empty = +∞): the one a reverse scan
   * ending at `end` reads first, i.e. start < end ≤ range end.
   */
  lookupBefore(end: Uint8Array): RangeCacheEntry | undefined {
    let e: RangeCacheEntry | undefined;
    if (end.length === 0) {
      const last = this.byStart[this.byStart.length - 1];
      if (last !== undefined && last.descriptor.end.length === 0) e = last;
    } else {
      const i = this.lastStartingBefore(end);
      const c = i < 0 ? undefined : this.byStart[i]!;
      if (c !== undefined && (c.descriptor.end.length === 0 || compareBytes(end, c.descriptor.end) <= 0)) e = c;
    }
    if (e !== undefined) this.touch(e);
    return e;
  }

  /** The cached range with this id (does not count as use). */
  get(id: RangeId): RangeCacheEntry | undefined {
    return this.byId.get(id);
  }

  /**
   * Records a descriptor (from a Locate answer or an EPOCH_MISMATCH error), with its leader when
   * known. Without a leader, the leader of the entry it replaces is kept if that store still holds
   * a replica.
   */
  insert(descriptor: RangeDescriptor, leaderStoreId?: StoreId): RangeCacheInsertOutcome {
    assertSpan(descriptor);
    const same = this.byId.get(descriptor.rangeId);
    if (same !== undefined && epochCompare(same.descriptor.epoch, descriptor.epoch) > 0) return 'stale';
    const overlapping = this.overlapping(descriptor.start, descriptor.end);
    for (const o of overlapping) {
      if (o.descriptor.rangeId !== descriptor.rangeId && o.descriptor.epoch.version > descriptor.epoch.version) return 'stale';
    }
    let leader = leaderStoreId;
    if (leader === undefined && same?.leaderStoreId !== undefined && descriptor.replicas.some((r) => r.storeId === same.leaderStoreId)) {
      leader = same.leaderStoreId;
    }
    if (same !== undefined) this.remove(same);
    for (const o of overlapping) if (o !== same) this.remove(o);
    const entry: RangeCacheEntry = Object.freeze({ descriptor, leaderStoreId: leader });
    this.byStart.splice(this.firstStartingAfter(descriptor.start), 0, entry);
    this.byId.set(descriptor.rangeId, entry);
    while (this.byId.size > this.rangesMax) {
      const oldest = this.byId.values().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    return 'inserted';
  }

  /**
   * Records who leads a cached range (from a NOT_LEADER hint or a successful answer); undefined
   * forgets the leader. A no-op for ranges not in the cache. The store need not be in the cached
   * replica list: a newer membership may have added it, and routing there will fetch the descriptor.
   */
  setLeader(id: RangeId, leaderStoreId: StoreId | undefined): void {
    const e = this.byId.get(id);
    if (e === undefined || e.leaderStoreId === leaderStoreId) return;
    const next: RangeCacheEntry = Object.freeze({ descriptor: e.descriptor, leaderStoreId });
    this.byStart[this.indexOf(e)] = next;
    // Keep the LRU position: replace in place without moving to the back.
    this.byId.set(id, next);
  }

  /** Drops a range (e.g. RANGE_NOT_FOUND); the next lookup of its keys misses. */
  evict(id: RangeId): boolean {
    const e = this.byId.get(id);
    if (e === undefined) return false;
    this.remove(e);
    return true;
  }

  clear(): void {
    this.byStart.length = 0;
    this.byId.clear();
  }

  /** Every entry in key order (diagnostics and tests). */
  entries(): readonly RangeCacheEntry[] {
    return this.byStart.slice();
  }

  private touch(e: RangeCacheEntry): void {
    const id = e.descriptor.rangeId;
    this.byId.delete(id);
    this.byId.set(id, e);
  }

  private remove(e: RangeCacheEntry): void {
    this.byStart.splice(this.indexOf(e), 1);
    this.byId.delete(e.descriptor.rangeId);
  }

  private indexOf(e: RangeCacheEntry): number {
    const i = this.lastStartingAtOrBefore(e.descriptor.start);
    if (i < 0 || this.byStart[i] !== e) throw new Error(`range cache corrupt: range ${e.descriptor.rangeId} not at its start key`);
    return i;
  }

  /** Entries whose span intersects [start, end) (end empty = +∞), in key order. */
  private overlapping(start: Uint8Array, end: Uint8Array): RangeCacheEntry[] {
    const out: RangeCacheEntry[] = [];
    let i = Math.max(0, this.lastStartingAtOrBefore(start));
    for (; i < this.byStart.length; i++) {
      const e = this.byStart[i]!;
      if (end.length !== 0 && compareBytes(e.descriptor.start, end) >= 0) break;
      if (e.descriptor.end.length === 0 || compareBytes(e.descriptor.end, start) > 0) out.push(e);
    }
    return out;
  }

  /** Index of the last entry with start ≤ key, or -1. */
  private lastStartingAtOrBefore(key: Uint8Array): number {
    return this.firstStartingAfter(key) - 1;
  }

  /** Index of the first entry with start > key (the insertion point for a range starting at key). */
  private firstStartingAfter(key: Uint8Array): number {
    let lo = 0;
    let hi = this.byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.byStart[mid]!.descriptor.start, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the last entry with start < key, or -1. */
  private lastStartingBefore(key: Uint8Array): number {
    let lo = 0;
    let hi = this.byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.byStart[mid]!.descriptor.start, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** Orders two epochs of the same range: version first, then confVersion. */
export function epochCompare(a: RangeEpoch, b: RangeEpoch): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.confVersion !== b.confVersion) return a.confVersion < b.confVersion ? -1 : 1;
  return 0;
}

function assertSpan(d: RangeDescriptor): void {
  if (d.end.length !== 0 && compareBytes(d.start, d.end) >= 0) {
    throw new RangeError(`range ${d.rangeId} has an empty or inverted span`);
  }
}
