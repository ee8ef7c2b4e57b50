import { RangeCache } from '../../client/routing/range-cache.js';
import { KvError } from '../../proto/kv-error.js';
import { compareBytes, epochNewer, fromWire, type RangeDescriptor, type RangeId, type StoreId } from '../../proto/range-descriptor.js';
import type { KvMethod, PeerCalls } from '../transport/peer-calls.js';
import type { LocalRanges, ServedRange } from './local-ranges.js';

/** Where a range is believed to be. */
export interface RangeLocationInfo {
  readonly descriptor: RangeDescriptor;
  /** Store believed to lead the range, if known. */
  readonly leader: StoreId | undefined;
}

export interface GatewayOptions {
  /** Client-facing addresses of the stores (what Locate answers and leader hints name). */
  readonly publicAddresses: ReadonlyMap<StoreId, string>;
  /** Ranges known before anything was learnt (the static layout). */
  readonly seedRanges: readonly RangeDescriptor[];
  readonly local: LocalRanges;
  readonly calls: PeerCalls;
  /** Ranges kept in the routing cache. */
  readonly rangesMax?: number;
}

/**
 * Every node is a gateway: it knows (possibly stale) where every range lives — the client library's
 * range cache, seeded from the static layout, plus its own replicas, corrected by NOT_LEADER and
 * EPOCH_MISMATCH answers — and forwards a request for a range it does not lead to the store that
 * does, with a route so that store serves it locally or says why not.
 */
export class Gateway {
  private readonly cache: RangeCache;
  private readonly publicAddresses: ReadonlyMap<StoreId, string>;
  private readonly local: LocalRanges;
  private readonly calls: PeerCalls;

  constructor(o: GatewayOptions) {
    this.cache = new RangeCache({ rangesMax: o.rangesMax ?? 100_000 });
    this.publicAddresses = o.publicAddresses;
    this.local = o.local;
    this.calls = o.calls;
    for (const d of o.seedRanges) this.cache.insert(d);
  }

  /** The client-facing address of a store (what clients are told to dial). */
  addressOf(store: StoreId): string | undefined {
    return this.publicAddresses.get(store);
  }

  allStores(): [StoreId, string][] {
    return [...this.publicAddresses];
  }

  /** The range containing `key`, with the freshest knowledge (see `freshest`). */
  locate(key: Uint8Array): RangeLocationInfo | undefined {
    const local = this.local.containing(key);
    if (local !== undefined) return this.freshest(local);
    const e = this.cache.lookup(key);
    return e === undefined ? undefined : { descriptor: e.descriptor, leader: e.leaderStoreId };
  }

  /** What is known about a range by id. */
  locateRange(rangeId: number): RangeLocationInfo | undefined {
    const local = this.local.get(rangeId);
    if (local !== undefined) return this.freshest(local);
    const e = this.cache.get(rangeId as RangeId);
    return e === undefined ? undefined : { descriptor: e.descriptor, leader: e.leaderStoreId };
  }

  /**
   * A local replica usually knows its range best, but one that missed a change (partitioned, paused,
   * or removed without hearing of it) holds an older descriptor than another store told us about:
   * then the learned one wins, with its leader hint — a lagging replica's own idea of the leader is
   * as stale as its descriptor.
   */
  private freshest(local: ServedRange): RangeLocationInfo {
    const learned = this.cache.get(local.rangeId as RangeId);
    if (learned !== undefined && epochNewer(learned.descriptor.epoch, local.descriptor.epoch)) return { descriptor: learned.descriptor, leader: learned.leaderStoreId };
    return { descriptor: local.descriptor, leader: local.leaderStore() ?? learned?.leaderStoreId };
  }

  /** The range holding the keys just below `end` (end empty = the last range): for reverse scans. */
  locateBefore(end: Uint8Array): RangeLocationInfo | undefined {
    for (const r of this.local.all()) if (endsAtOrAfter(r.descriptor, end)) return this.freshest(r);
    const e = this.cache.lookupBefore(end);
    return e === undefined ? undefined : { descriptor: e.descriptor, leader: e.leaderStoreId };
  }

  /** Every known range overlapping [start, end), in key order. */
  rangesIn(start: Uint8Array, end: Uint8Array, limit: number): RangeLocationInfo[] {
    const all = new Map<number, RangeLocationInfo>();
    for (const e of this.cache.entries()) all.set(e.descriptor.rangeId, { descriptor: e.descriptor, leader: e.leaderStoreId });
    for (const r of this.local.all()) all.set(r.rangeId, this.freshest(r));
    return [...all.values()]
      .filter(({ descriptor: d }) => (d.end.length === 0 || compareBytes(d.end, start) > 0) && (end.length === 0 || compareBytes(d.start, end) < 0))
      .sort((a, b) => compareBytes(a.descriptor.start, b.descriptor.start))
      .slice(0, limit);
  }

  learnLeader(rangeId: number, leader: StoreId | undefined): void {
    if (leader !== undefined) this.cache.setLeader(rangeId as RangeId, leader);
  }

  learnDescriptor(d: RangeDescriptor): void {
    const known = this.cache.get(d.rangeId);
    if (known === undefined || epochNewer(d.epoch, known.descriptor.epoch)) this.cache.insert(d);
  }

  /** Updates what is known from an error `store` answered with. */
  learnFromError(rangeId: number, store: StoreId, e: KvError): void {
    if (e.code === 'NOT_LEADER') this.learnLeader(rangeId, e.detail.leaderStoreId as StoreId | undefined);
    if (e.code === 'EPOCH_MISMATCH' && e.detail.range !== undefined) this.learnDescriptor(fromWire(e.detail.range));
    if (e.code === 'RANGE_NOT_FOUND') {
      // That store no longer holds the range: it cannot be its leader either.
      const known = this.cache.get(rangeId as RangeId);
      if (known?.leaderStoreId === store) this.cache.setLeader(rangeId as RangeId, undefined);
    }
  }

  /** Calls `method` on another store's KV service, bounded by the deadline (monotonic ms). */
  call<Req, Res>(store: StoreId, method: KvMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    if (!this.publicAddresses.has(store)) return Promise.reject(new KvError('UNAVAILABLE', `no address for store ${store}`));
    return this.calls.kv<Req, Res>(store, method, request, deadlineAtMs);
  }
}

function endsAtOrAfter(d: RangeDescriptor, end: Uint8Array): boolean {
  if (end.length === 0) return d.end.length === 0;
  // The range contains keys just below `end`: start < end ≤ range end (or range end is +∞).
  return compareBytes(d.start, end) < 0 && (d.end.length === 0 || compareBytes(end, d.end) <= 0);
}

