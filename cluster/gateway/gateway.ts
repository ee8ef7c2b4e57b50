import * as grpc from '@grpc/grpc-js';
import type { KVClient } from '../../proto/generated/rangekv/v1/KV.js';
import { kvProto } from '../../proto/grpc-definitions.js';
import { KvError, kvErrorFromServiceError } from '../../proto/kv-error.js';
import type { Node } from '../node/node.js';
import type { Replica } from '../replica/replica.js';
import {
  compareBytes,
  epochNewer,
  fromWire,
  rangeContainsKey,
  type RangeDescriptor,
  type StoreId,
} from '../../proto/range-descriptor.js';

/** Where a range is believed to be. */
export interface RangeLocationInfo {
  readonly descriptor: RangeDescriptor;
  /** Store believed to lead the range, if known. */
  readonly leader: StoreId | undefined;
}

type KvMethod = 'Get' | 'BatchGet' | 'Put' | 'Delete' | 'Scan' | 'CompareAndSwap';

/**
 * Every node is a gateway: it knows (possibly stale) where every range lives — seeded from the
 * static cluster layout and its own replicas, corrected by NOT_LEADER and EPOCH_MISMATCH answers —
 * and forwards a request for a range it does not lead to the store that does, with a route so that
 * store serves it locally or says why not.
 */
export class Gateway {
  private readonly directory = new Map<number, RangeLocationInfo>();
  private readonly clients = new Map<StoreId, KVClient>();

  /** Client-facing addresses (the cluster config's), for Locate answers and leader hints. */
  private readonly publicAddresses = new Map<StoreId, string>();

  constructor(
    private readonly node: Node,
    /** Addresses this node dials to forward (may be the fault harness's link proxies). */
    private readonly addresses: ReadonlyMap<StoreId, string>,
  ) {
    for (const s of node.options.cluster.stores) this.publicAddresses.set(s.storeId, s.address);
    for (const r of node.options.cluster.initialRanges) {
      const replicas = r.stores.map((s, i) => ({ storeId: s, replicaId: i + 1, role: 'voter' as const }));
      this.directory.set(r.rangeId, {
        descriptor: { rangeId: r.rangeId, start: r.start, end: r.end, epoch: { confVersion: 1, version: 1 }, replicas, nextReplicaId: replicas.length + 1 },
        leader: undefined,
      });
    }
  }

  /** The client-facing address of a store (what clients are told to dial). */
  addressOf(store: StoreId): string | undefined {
    return this.publicAddresses.get(store);
  }

  /** The address this node dials to reach a store (for node-to-node calls). */
  dialAddressOf(store: StoreId): string | undefined {
    return this.addresses.get(store);
  }

  allStores(): [StoreId, string][] {
    return [...this.publicAddresses];
  }

  /** The range containing `key`, with the freshest knowledge (see `freshest`). */
  locate(key: Uint8Array): RangeLocationInfo | undefined {
    const local = this.node.replicaForKey(key);
    if (local !== undefined) return this.freshest(local);
    for (const info of this.directory.values()) if (rangeContainsKey(info.descriptor, key)) return info;
    return undefined;
  }

  /** What is known about a range by id. */
  locateRange(rangeId: number): RangeLocationInfo | undefined {
    const local = this.node.replicas.get(rangeId);
    if (local !== undefined) return this.freshest(local);
    return this.directory.get(rangeId);
  }

  /**
   * A local replica usually knows its range best, but one that missed a change (partitioned, paused,
   * or removed without hearing of it) holds an older descriptor than another store told us about:
   * then the learned one wins, with its leader hint — a lagging replica's own idea of the leader is
   * as stale as its descriptor.
   */
  private freshest(local: Replica): RangeLocationInfo {
    const learned = this.directory.get(local.rangeId);
    if (learned !== undefined && epochNewer(learned.descriptor.epoch, local.descriptor.epoch)) return learned;
    return { descriptor: local.descriptor, leader: local.leaderStore() ?? learned?.leader };
  }

  /** The range holding the keys just below `end` (end empty = the last range): for reverse scans. */
  locateBefore(end: Uint8Array): RangeLocationInfo | undefined {
    for (const r of this.node.replicas.values()) if (endsAtOrAfter(r.descriptor, end)) return { descriptor: r.descriptor, leader: r.leaderStore() };
    for (const info of this.directory.values()) if (endsAtOrAfter(info.descriptor, end)) return info;
    return undefined;
  }

  /** Every known range overlapping [start, end), in key order. */
  rangesIn(start: Uint8Array, end: Uint8Array, limit: number): RangeLocationInfo[] {
    const all = new Map<number, RangeLocationInfo>(this.directory);
    for (const r of this.node.replicas.values()) all.set(r.rangeId, { descriptor: r.descriptor, leader: r.leaderStore() ?? all.get(r.rangeId)?.leader });
    return [...all.values()]
      .filter(({ descriptor: d }) => (d.end.length === 0 || compareBytes(d.end, start) > 0) && (end.length === 0 || compareBytes(d.start, end) < 0))
      .sort((a, b) => compareBytes(a.descriptor.start, b.descriptor.start))
      .slice(0, limit);
  }

  learnLeader(rangeId: number, leader: StoreId | undefined): void {
    const info = this.directory.get(rangeId);
    if (info !== undefined && leader !== undefined) this.directory.set(rangeId, { ...info, leader });
  }

  learnDescriptor(d: RangeDescriptor): void {
    const info = this.directory.get(d.rangeId);
    if (info === undefined || epochNewer(d.epoch, info.descriptor.epoch)) this.directory.set(d.rangeId, { descriptor: d, leader: info?.leader });
  }

  /** Updates the directory from an error `store` answered with. */
  learnFromError(rangeId: number, store: StoreId, e: KvError): void {
    if (e.code === 'NOT_LEADER') this.learnLeader(rangeId, e.detail.leaderStoreId as StoreId | undefined);
    if (e.code === 'EPOCH_MISMATCH' && e.detail.range !== undefined) this.learnDescriptor(fromWire(e.detail.range));
    if (e.code === 'RANGE_NOT_FOUND') {
      // That store no longer holds the range: it cannot be its leader either.
      const info = this.directory.get(rangeId);
      if (info?.leader === store) this.directory.set(rangeId, { ...info, leader: undefined });
    }
  }

  /** Calls `method` on another store's KV service, bounded by the deadline. */
  call<Req, Res>(store: StoreId, method: KvMethod, request: Req, deadlineAtMs: number): Promise<Res> {
    const client = this.client(store);
    if (client === undefined) return Promise.reject(new KvError('UNAVAILABLE', `no address for store ${store}`));
    return new Promise<Res>((resolve, reject) => {
      const fn = client[method].bind(client) as unknown as (
        req: Req,
        md: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: Res) => void,
      ) => grpc.ClientUnaryCall;
      fn(request, new grpc.Metadata(), { deadline: deadlineAtMs }, (err, res) => {
        if (err !== null) reject(kvErrorFromServiceError(err));
        else if (res === undefined) reject(new KvError('INTERNAL', 'empty answer'));
        else resolve(res);
      });
    });
  }

  private client(store: StoreId): KVClient | undefined {
    let c = this.clients.get(store);
    if (c !== undefined) return c;
    const address = this.addresses.get(store);
    if (address === undefined) return undefined;
    const Ctor = kvProto().rangekv.v1.KV;
    c = new Ctor(address, grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      'grpc.max_receive_message_length': 64 << 20,
    });
    this.clients.set(store, c);
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

function endsAtOrAfter(d: RangeDescriptor, end: Uint8Array): boolean {
  if (end.length === 0) return d.end.length === 0;
  // The range contains keys just below `end`: start < end ≤ range end (or range end is +∞).
  return compareBytes(d.start, end) < 0 && (d.end.length === 0 || compareBytes(end, d.end) <= 0);
}
