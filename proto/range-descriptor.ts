import type { RangeDescriptorWire } from './kv-error.js';
import type { RangeLocation } from './generated/rangekv/v1/RangeLocation.js';
import type { RangeReplica } from './generated/rangekv/v1/RangeReplica.js';

export type RangeId = number & { readonly __brand: 'RangeId' };
export type StoreId = number & { readonly __brand: 'StoreId' };

export const rangeId = (n: number): RangeId => positive(n, 'range id') as RangeId;
export const storeId = (n: number): StoreId => positive(n, 'store id') as StoreId;

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}

export interface RangeEpoch {
  /** Bumped by every membership change. */
  readonly confVersion: number;
  /** Bumped by every split and merge. */
  readonly version: number;
}

export interface ReplicaDescriptor {
  readonly storeId: StoreId;
  /** The replica's raft node id, unique within the range (a replica re-added later gets a new one). */
  readonly replicaId: number;
  readonly role: 'voter' | 'learner';
}

/**
 * A range: the keys [start, end) (end empty = +∞), its epoch, and its replicas. Ranges tile the
 * keyspace and never overlap. Every routed request names the range and epoch it was routed with; a
 * replica whose span generation (epoch.version) differs answers EPOCH_MISMATCH with its descriptor
 * (a confVersion difference alone is served: membership changes move no keys).
 */
export interface RangeDescriptor {
  readonly rangeId: RangeId;
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly epoch: RangeEpoch;
  readonly replicas: readonly ReplicaDescriptor[];
  /** The replica id the next added replica gets. */
  readonly nextReplicaId: number;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** Whether `key` is in [start, end), end empty meaning +∞. */
export function rangeContainsKey(d: Pick<RangeDescriptor, 'start' | 'end'>, key: Uint8Array): boolean {
  return compareBytes(key, d.start) >= 0 && (d.end.length === 0 || compareBytes(key, d.end) < 0);
}

export function epochEquals(a: RangeEpoch, b: RangeEpoch): boolean {
  return a.confVersion === b.confVersion && a.version === b.version;
}

/** Newer by either counter (they only grow). */
export function epochNewer(a: RangeEpoch, b: RangeEpoch): boolean {
  return (a.version > b.version && a.confVersion >= b.confVersion) || (a.confVersion > b.confVersion && a.version >= b.version);
}

export function replicaOnStore(d: RangeDescriptor, store: StoreId): ReplicaDescriptor | undefined {
  return d.replicas.find((r) => r.storeId === store);
}

export function replicaById(d: RangeDescriptor, replicaId: number): ReplicaDescriptor | undefined {
  return d.replicas.find((r) => r.replicaId === replicaId);
}

export function toWire(d: RangeDescriptor): RangeDescriptorWire {
  return {
    rangeId: d.rangeId,
    start: Buffer.from(d.start).toString('base64'),
    end: Buffer.from(d.end).toString('base64'),
    confVersion: d.epoch.confVersion,
    version: d.epoch.version,
    replicas: d.replicas.map((r) => ({ storeId: r.storeId, replicaId: r.replicaId, learner: r.role === 'learner' })),
  };
}

export function fromWire(w: RangeDescriptorWire): RangeDescriptor {
  const replicas = w.replicas.map((r) => ({ storeId: storeId(r.storeId), replicaId: r.replicaId, role: r.learner ? ('learner' as const) : ('voter' as const) }));
  return {
    rangeId: rangeId(w.rangeId),
    start: new Uint8Array(Buffer.from(w.start, 'base64')),
    end: new Uint8Array(Buffer.from(w.end, 'base64')),
    epoch: { confVersion: w.confVersion, version: w.version },
    replicas,
    nextReplicaId: Math.max(0, ...replicas.map((r) => r.replicaId)) + 1,
  };
}

/** A descriptor's replicas as the KV API's `RangeReplica` messages. */
export function replicasToProto(d: RangeDescriptor): RangeReplica[] {
  return d.replicas.map((r) => ({ storeId: String(r.storeId), replicaId: String(r.replicaId), learner: r.role === 'learner' }));
}

/** A descriptor and its leader's store (0 when unknown) as the KV API's `RangeLocation` message. */
export function rangeLocationToProto(d: RangeDescriptor, leader: StoreId | undefined): RangeLocation {
  return {
    rangeId: String(d.rangeId),
    start: Buffer.from(d.start),
    end: Buffer.from(d.end),
    epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
    replicas: replicasToProto(d),
    leaderStoreId: String(leader ?? 0),
  };
}

/** A readable key for logs: printable ASCII as is, other bytes as \xNN. */
export function keyToString(key: Uint8Array): string {
  let out = '';
  for (const b of key) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}
