import { readFileSync } from 'node:fs';
import { rangeId, storeId, type RangeId, type StoreId } from '../../proto/range-descriptor.js';

/**
 * The static layout of a cluster (until the placement driver exists): its id, its stores and the
 * initial ranges with the stores that hold them. Every node of the cluster reads the same file; the
 * placement driver will replace `ranges` later, the seam is `initialRanges`.
 *
 * JSON form:
 *   { "clusterId": "demo",
 *     "stores": [ { "storeId": 1, "address": "127.0.0.1:7001" }, ... ],
 *     "ranges": [ { "rangeId": 1, "start": "", "end": "m", "stores": [1, 2, 3] }, ... ] }
 * Range bounds are UTF-8 strings, or { "hex": "00ff" } for arbitrary bytes; the ranges must tile
 * the keyspace from "" to "" (+∞) in order.
 */
export interface ClusterConfig {
  readonly clusterId: string;
  readonly stores: readonly StoreConfig[];
  readonly initialRanges: readonly InitialRange[];
}

export interface StoreConfig {
  readonly storeId: StoreId;
  /** Address clients and peers use to reach this store (host:port). */
  readonly address: string;
}

export interface InitialRange {
  readonly rangeId: RangeId;
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  /** Stores holding a voting replica; replica ids are 1..n in this order. */
  readonly stores: readonly StoreId[];
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadClusterConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read cluster config ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`cluster config ${path} is not JSON: ${(e as Error).message}`);
  }
  return parseClusterConfig(json);
}

export function parseClusterConfig(v: unknown): ClusterConfig {
  const o = obj(v, 'cluster config');
  const clusterId = o['clusterId'];
  if (typeof clusterId !== 'string' || clusterId.length === 0 || clusterId.length > 128) {
    throw new ConfigError('clusterId must be a non-empty string of at most 128 characters');
  }
  const storesRaw = o['stores'];
  if (!Array.isArray(storesRaw) || storesRaw.length === 0) throw new ConfigError('stores must be a non-empty array');
  const stores: StoreConfig[] = storesRaw.map((s: unknown, i: number) => {
    const so = obj(s, `stores[${i}]`);
    const address = so['address'];
    if (typeof address !== 'string' || !/^[^:\s]+:\d{1,5}$/.test(address)) throw new ConfigError(`stores[${i}].address must be host:port`);
    return { storeId: id(so['storeId'], `stores[${i}].storeId`, storeId), address };
  });
  const seen = new Set<number>();
  for (const s of stores) {
    if (seen.has(s.storeId)) throw new ConfigError(`store ${s.storeId} listed twice`);
    seen.add(s.storeId);
  }
  const rangesRaw = o['ranges'];
  if (!Array.isArray(rangesRaw) || rangesRaw.length === 0) throw new ConfigError('ranges must be a non-empty array');
  const ranges: InitialRange[] = rangesRaw.map((r: unknown, i: number) => {
    const ro = obj(r, `ranges[${i}]`);
    const rs = ro['stores'];
    if (!Array.isArray(rs) || rs.length === 0) throw new ConfigError(`ranges[${i}].stores must be a non-empty array`);
    const rstores = rs.map((x: unknown, j: number) => id(x, `ranges[${i}].stores[${j}]`, storeId));
    for (const s of rstores) if (!seen.has(s)) throw new ConfigError(`ranges[${i}] names unknown store ${s}`);
    if (new Set(rstores).size !== rstores.length) throw new ConfigError(`ranges[${i}] lists a store twice`);
    return { rangeId: id(ro['rangeId'], `ranges[${i}].rangeId`, rangeId), start: bound(ro['start'], `ranges[${i}].start`), end: bound(ro['end'], `ranges[${i}].end`), stores: rstores };
  });
  const ids = new Set<number>();
  for (const r of ranges) {
    if (ids.has(r.rangeId)) throw new ConfigError(`range ${r.rangeId} listed twice`);
    ids.add(r.rangeId);
  }
  // The ranges must tile the keyspace: first starts at "", each starts where the previous ended, last ends at +∞.
  if (ranges[0]!.start.length !== 0) throw new ConfigError('the first range must start at ""');
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    const last = i === ranges.length - 1;
    if (last !== (r.end.length === 0)) throw new ConfigError(last ? 'the last range must end at "" (+∞)' : `range ${r.rangeId} ends at +∞ but is not last`);
    if (!last && Buffer.compare(Buffer.from(r.start), Buffer.from(r.end)) >= 0) throw new ConfigError(`range ${r.rangeId} is empty or inverted`);
    const next = ranges[i + 1];
    if (next !== undefined && Buffer.compare(Buffer.from(r.end), Buffer.from(next.start)) !== 0) {
      throw new ConfigError(`range ${next.rangeId} must start where range ${r.rangeId} ends`);
    }
  }
  return { clusterId, stores, initialRanges: ranges };
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function id<T>(v: unknown, what: string, make: (n: number) => T): T {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ConfigError(`${what} must be a positive integer`);
  return make(v);
}

function bound(v: unknown, what: string): Uint8Array {
  if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'utf8'));
  if (typeof v === 'object' && v !== null && typeof (v as { hex?: unknown }).hex === 'string') {
    const hex = (v as { hex: string }).hex;
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new ConfigError(`${what}.hex must be an even-length hex string`);
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  throw new ConfigError(`${what} must be a string or { "hex": "..." }`);
}

/** A ready-made layout for local clusters: `n` stores on consecutive ports, the keyspace cut at the given split keys. */
export function localClusterConfig(opts: { clusterId: string; stores: number; basePort: number; splitKeys: readonly string[]; replicas?: number }): ClusterConfig {
  const stores = Array.from({ length: opts.stores }, (_, i) => ({ storeId: storeId(i + 1), address: `127.0.0.1:${opts.basePort + i}` }));
  const bounds = ['', ...opts.splitKeys, ''];
  const replicas = Math.min(opts.replicas ?? 3, opts.stores);
  const initialRanges = bounds.slice(0, -1).map((start, i) => ({
    rangeId: rangeId(i + 1),
    start: new Uint8Array(Buffer.from(start)),
    end: new Uint8Array(Buffer.from(bounds[i + 1]!)),
    // Spread ranges over the stores round-robin.
    stores: Array.from({ length: replicas }, (_, j) => stores[(i + j) % stores.length]!.storeId),
  }));
  return parseClusterConfig({
    clusterId: opts.clusterId,
    stores: stores.map((s) => ({ storeId: s.storeId, address: s.address })),
    ranges: initialRanges.map((r) => ({ rangeId: r.rangeId, start: { hex: Buffer.from(r.start).toString('hex') }, end: { hex: Buffer.from(r.end).toString('hex') }, stores: r.stores })),
  });
}

export function clusterConfigToJson(c: ClusterConfig): unknown {
  return {
    clusterId: c.clusterId,
    stores: c.stores.map((s) => ({ storeId: s.storeId, address: s.address })),
    ranges: c.initialRanges.map((r) => ({ rangeId: r.rangeId, start: { hex: Buffer.from(r.start).toString('hex') }, end: { hex: Buffer.from(r.end).toString('hex') }, stores: r.stores })),
  };
}
