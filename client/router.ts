import type { Rng } from './rng.js';
import type { KvError } from '../proto/kv-error.js';
import { compareBytes, fromWire, storeId, type RangeDescriptor, type StoreId } from '../proto/range-descriptor.js';
import type { RangeCache, RangeCacheEntry } from './routing/range-cache.js';
import type { StoreAddressBook } from './routing/store-address-book.js';
import type { AnswerHeader, LocateAnswer } from './answers.js';
import type { CallContext } from './call-context.js';

/**
 * Where one attempt goes: straight to a replica of the range the key is cached in (the request
 * carries the route, so the replica serves only if its epoch matches), or — when nothing better is
 * known — to any node as a gateway (no route: the node finds the range and leader itself).
 */
export type Target =
  | { readonly kind: 'routed'; readonly address: string; readonly storeId: StoreId; readonly range: RangeDescriptor }
  | { readonly kind: 'gateway'; readonly address: string };

/**
 * What to route by: the range containing `key`, or the range holding the keys just below `end`
 * (reverse scans; `floor` is the scan's start, where Locate may page forward from).
 * `prefetchEnd` (non-empty) asks Locate for the following ranges up to it as well.
 */
export type RoutingKey =
  | { readonly mode: 'at'; readonly key: Uint8Array; readonly prefetchEnd?: Uint8Array }
  | { readonly mode: 'before'; readonly end: Uint8Array; readonly floor: Uint8Array };

/** Leader for linearizable reads and writes; any replica for follower and session reads. */
export type ReplicaChoice = 'leader' | 'any';

/** A Locate on one node: undefined when that node could not answer. */
export type LocateOn = (address: string, key: Uint8Array, end: Uint8Array, limit: number, ctx: CallContext) => Promise<LocateAnswer | undefined>;

export interface RouterOptions {
  readonly seeds: readonly string[];
  readonly locateRangesMax: number;
  /** Locate calls one 'before' lookup may page through before settling for a gateway. */
  readonly locatePagesMax: number;
}

export interface FailureLesson {
  /** Something changed that makes an immediate retry worthwhile (new leader, new descriptor, another node). */
  readonly immediate: boolean;
}

const upToFf = Uint8Array.of(0xff);

export class Router {
  constructor(
    private readonly cache: RangeCache,
    private readonly book: StoreAddressBook,
    private readonly rng: Rng,
    private readonly locateOn: LocateOn,
    private readonly options: RouterOptions,
  ) {}

  async target(rk: RoutingKey, choice: ReplicaChoice, ctx: CallContext): Promise<Target> {
    let entry = this.lookup(rk);
    if (entry === undefined) {
      await this.fill(rk, ctx);
      entry = this.lookup(rk);
    }
    if (entry !== undefined) {
      const t = this.pickReplica(entry, choice, ctx);
      if (t !== undefined) return t;
    }
    return this.gateway(ctx);
  }

  /** Any node, for requests without a route (and for Locate). */
  gateway(ctx: CallContext): Target {
    const all = this.allAddresses();
    let usable = all.filter((a) => !ctx.avoid.has(a));
    if (usable.length === 0) {
      // Everything failed once in this call: start over rather than give up while time remains.
      ctx.avoid.clear();
      usable = all;
    }
    return { kind: 'gateway', address: usable[this.rng.int(usable.length)]! };
  }

  /** A successful answer: the serving store leads the range (for leader-routed requests). */
  onAnswer(target: Target, header: AnswerHeader, choice: ReplicaChoice): void {
    if (target.kind !== 'routed' || choice !== 'leader') return;
    if (header.rangeId !== undefined && header.rangeId !== target.range.rangeId) return;
    this.cache.setLeader(target.range.rangeId, header.storeId ?? target.storeId);
  }

  /** A typed error from a node: learn what it says about routing. */
  onRejected(target: Target, e: KvError, ctx: CallContext): FailureLesson {
    const d = e.detail;
    const hint = hintedStore(d.leaderStoreId);
    if (hint !== undefined && d.leaderAddress !== undefined && d.leaderAddress.length > 0) this.book.set(hint, d.leaderAddress);
    let learnt: 'inserted' | 'stale' | 'none' = 'none';
    if (d.range !== undefined) {
      try {
        learnt = this.cache.insert(fromWire(d.range), e.code === 'NOT_LEADER' ? hint : undefined);
      } catch {
        // A malformed descriptor in an error teaches nothing; routing falls back to Locate.
      }
    }
    if (target.kind !== 'routed') return { immediate: false };
    const id = target.range.rangeId;
    switch (e.code) {
      case 'NOT_LEADER': {
        if (hint !== undefined && hint !== target.storeId) {
          this.cache.setLeader(id, hint);
          // The hinted leader already failed us in this call (a dropped connection, or it is dead and
          // its followers do not know yet): give it another chance, but after a pause, so that a
          // dead leader and its followers cannot bounce us back and forth at full speed.
          const hinted = this.book.get(hint);
          if (hinted !== undefined && ctx.avoid.delete(hinted)) return { immediate: false };
          return { immediate: true };
        }
        // It does not lead and knows no leader (an election is on): ask elsewhere after a pause.
        this.cache.setLeader(id, undefined);
        ctx.avoid.add(target.address);
        return { immediate: false };
      }
      case 'EPOCH_MISMATCH':
      case 'KEY_NOT_IN_RANGE':
        if (learnt === 'inserted') return { immediate: true };
        if (learnt === 'stale') {
          // We know a newer layout than this replica: it lags, try another.
          ctx.avoid.add(target.address);
          return { immediate: true };
        }
        this.cache.evict(id);
        return { immediate: true };
      case 'RANGE_NOT_FOUND':
        this.cache.evict(id);
        ctx.avoid.add(target.address);
        return { immediate: true };
      case 'SHUTTING_DOWN':
      case 'STORAGE_FAILED':
        this.forgetLeaderOn(target);
        ctx.avoid.add(target.address);
        return { immediate: true };
      default:
        return { immediate: false };
    }
  }

  /** The node could not be reached or stopped answering. */
  onTransportFailure(target: Target, ctx: CallContext): FailureLesson {
    ctx.avoid.add(target.address);
    this.forgetLeaderOn(target);
    return { immediate: true };
  }

  /** Fills the cache for a routing key by Locate; false when no node answered. */
  async fill(rk: RoutingKey, ctx: CallContext): Promise<boolean> {
    const limit = this.options.locateRangesMax;
    if (rk.mode === 'at') {
      const prefetch = rk.prefetchEnd !== undefined && rk.prefetchEnd.length > 0 && compareBytes(rk.prefetchEnd, rk.key) > 0;
      return this.locate(rk.key, prefetch ? rk.prefetchEnd! : new Uint8Array(0), limit, ctx);
    }
    // The range holding the keys just below `end`: first the one containing `end` itself, which
    // is it unless it starts exactly at `end`; else page forward from the scan's floor.
    if (rk.end.length > 0) {
      if (!(await this.locate(rk.end, new Uint8Array(0), 1, ctx))) return false;
      if (this.cache.lookupBefore(rk.end) !== undefined) return true;
    }
    // Locate cannot name +∞ as an end (empty means "one range"): ask up to 0xff, which covers the
    // last range unless it starts at or past 0xff.
    const locateEnd = rk.end.length > 0 ? rk.end : upToFf;
    let key = rk.floor;
    for (let page = 0; page < this.options.locatePagesMax; page++) {
      key = this.skipCached(key, locateEnd);
      const answer = await this.locateAnswer(key, locateEnd, limit, ctx);
      if (answer === undefined) return false;
      if (this.cache.lookupBefore(rk.end) !== undefined) return true;
      const last = answer.ranges[answer.ranges.length - 1];
      if (last === undefined || last.descriptor.end.length === 0 || compareBytes(last.descriptor.end, key) <= 0) return false;
      key = last.descriptor.end;
    }
    return false;
  }

  /** Follows cached, contiguous ranges from `key` towards `end`: where Locate has to start asking. */
  private skipCached(key: Uint8Array, end: Uint8Array): Uint8Array {
    for (let i = 0; i < this.cache.size; i++) {
      const e = this.cache.lookup(key);
      if (e === undefined || e.descriptor.end.length === 0 || compareBytes(e.descriptor.end, end) >= 0) return key;
      key = e.descriptor.end;
    }
    return key;
  }

  private lookup(rk: RoutingKey): RangeCacheEntry | undefined {
    return rk.mode === 'at' ? this.cache.lookup(rk.key) : this.cache.lookupBefore(rk.end);
  }

  private async locate(key: Uint8Array, end: Uint8Array, limit: number, ctx: CallContext): Promise<boolean> {
    return (await this.locateAnswer(key, end, limit, ctx)) !== undefined;
  }

  /** Asks nodes in turn (each at most once) until one answers, and records what it says. */
  private async locateAnswer(key: Uint8Array, end: Uint8Array, limit: number, ctx: CallContext): Promise<LocateAnswer | undefined> {
    const candidates = this.allAddresses().filter((a) => !ctx.avoid.has(a));
    const offset = candidates.length === 0 ? 0 : this.rng.int(candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      if (ctx.remainingMs() <= 0 || ctx.aborted) return undefined;
      const address = candidates[(offset + i) % candidates.length]!;
      const answer = await this.locateOn(address, key, end, limit, ctx);
      if (answer === undefined) continue;
      for (const [id, a] of answer.stores) this.book.set(id, a);
      for (const r of answer.ranges) this.cache.insert(r.descriptor, r.leaderStoreId);
      return answer;
    }
    return undefined;
  }

  private pickReplica(entry: RangeCacheEntry, choice: ReplicaChoice, ctx: CallContext): Target | undefined {
    const range = entry.descriptor;
    const reachable = (storeId: StoreId): string | undefined => {
      const a = this.book.get(storeId);
      return a !== undefined && !ctx.avoid.has(a) ? a : undefined;
    };
    if (choice === 'leader' && entry.leaderStoreId !== undefined) {
      const a = reachable(entry.leaderStoreId);
      if (a !== undefined) return { kind: 'routed', address: a, storeId: entry.leaderStoreId, range };
    }
    const pool = range.replicas.filter((r) => (choice === 'any' || r.role === 'voter') && reachable(r.storeId) !== undefined);
    if (pool.length === 0) return undefined;
    const r = pool[this.rng.int(pool.length)]!;
    return { kind: 'routed', address: reachable(r.storeId)!, storeId: r.storeId, range };
  }

  private forgetLeaderOn(target: Target): void {
    if (target.kind !== 'routed') return;
    const e = this.cache.get(target.range.rangeId);
    if (e?.leaderStoreId === target.storeId) this.cache.setLeader(target.range.rangeId, undefined);
  }

  private allAddresses(): string[] {
    return [...new Set([...this.options.seeds, ...this.book.allAddresses()])];
  }
}

/** A leader hint from an error detail, if it names a store. */
function hintedStore(n: number | undefined): StoreId | undefined {
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? storeId(n) : undefined;
}
