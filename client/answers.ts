import type { BatchGetResponse__Output } from '../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapResponse__Output } from '../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteResponse__Output } from '../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetResponse__Output } from '../proto/generated/rangekv/v1/GetResponse.js';
import type { KeyValue__Output } from '../proto/generated/rangekv/v1/KeyValue.js';
import type { LocateResponse__Output } from '../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutResponse__Output } from '../proto/generated/rangekv/v1/PutResponse.js';
import type { ResponseHeader__Output } from '../proto/generated/rangekv/v1/ResponseHeader.js';
import type { ScanResponse__Output } from '../proto/generated/rangekv/v1/ScanResponse.js';
import { KvError } from '../proto/kv-error.js';
import { compareBytes, rangeId, storeId, type RangeDescriptor, type RangeId, type StoreId } from '../proto/range-descriptor.js';
import type { CompareAndSwapResult, DeleteResult, KeyValue, PutResult } from './results.js';

/**
 * The client's boundary: what gRPC hands over (`__Output` types: uint64 as decimal strings, bytes
 * as Buffers) parsed once into internal types. A malformed answer is a KvError INTERNAL.
 */

export interface AnswerHeader {
  readonly sessionToken: Uint8Array;
  /** The range that served the request (undefined when the server did not say). */
  readonly rangeId: RangeId | undefined;
  /** The store that served it. */
  readonly storeId: StoreId | undefined;
}

export interface Answer<T> {
  readonly header: AnswerHeader;
  readonly value: T;
}

export interface ScanPage {
  readonly kvs: readonly KeyValue[];
  /** Empty when the scan (or, for a routed page, the range's part of it) is complete. */
  readonly nextPageToken: Uint8Array;
}

export interface RangeLocation {
  readonly descriptor: RangeDescriptor;
  readonly leaderStoreId: StoreId | undefined;
}

export interface LocateAnswer {
  readonly ranges: readonly RangeLocation[];
  readonly stores: ReadonlyMap<StoreId, string>;
}

export function malformed(what: string): KvError {
  return new KvError('INTERNAL', `malformed answer from the server: ${what}`);
}

export function parseUint64(s: string, what: string): bigint {
  // 1 to 20 decimal digits (checked by hand: a regex per field showed up in client profiles).
  let digits = s.length > 0 && s.length <= 20;
  for (let i = 0; digits && i < s.length; i++) {
    const c = s.charCodeAt(i);
    digits = c >= 48 && c <= 57;
  }
  if (!digits) throw malformed(`${what} is not a uint64 (${JSON.stringify(s).slice(0, 40)})`);
  const v = BigInt(s);
  if (s.length === 20 && v > 0xffff_ffff_ffff_ffffn) throw malformed(`${what} overflows uint64`);
  return v;
}

/**
 * A decimal of at most 15 digits (exactly representable as a number), or undefined for anything
 * else. Ids and epochs take this path on every answer; BigInt parsing is kept for the rest.
 */
function smallDecimal(s: string): number | undefined {
  if (s.length === 0 || s.length > 15) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

/** An id field: 0 means absent. */
function parseOptionalId<T>(s: string, what: string, make: (n: number) => T): T | undefined {
  const small = smallDecimal(s);
  if (small !== undefined) return small === 0 ? undefined : make(small);
  const v = parseUint64(s, what);
  if (v === 0n) return undefined;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} is too large`);
  return make(Number(v));
}

function parseRequiredId<T>(s: string, what: string, make: (n: number) => T): T {
  const v = parseOptionalId(s, what, make);
  if (v === undefined) throw malformed(`${what} is 0`);
  return v;
}

function parseSafeNumber(s: string, what: string): number {
  const small = smallDecimal(s);
  if (small !== undefined) return small;
  const v = parseUint64(s, what);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} is too large`);
  return Number(v);
}

export function parseHeader(h: ResponseHeader__Output | null): AnswerHeader {
  if (h === null) return { sessionToken: new Uint8Array(0), rangeId: undefined, storeId: undefined };
  return {
    sessionToken: h.sessionToken,
    rangeId: parseOptionalId(h.rangeId, 'header.range_id', rangeId),
    storeId: parseOptionalId(h.storeId, 'header.store_id', storeId),
  };
}

function parseKeyValue(kv: KeyValue__Output): KeyValue {
  return { key: kv.key, value: kv.value, version: parseUint64(kv.version, 'kv.version') };
}

function parseFound(found: boolean, kv: KeyValue__Output | null): KeyValue | undefined {
  if (!found) return undefined;
  if (kv === null) throw malformed('found without a key-value');
  return parseKeyValue(kv);
}

export function parseGetAnswer(o: GetResponse__Output): Answer<KeyValue | undefined> {
  return { header: parseHeader(o.header), value: parseFound(o.found, o.kv) };
}

export function parseBatchGetAnswer(o: BatchGetResponse__Output, keysAsked: number): Answer<(KeyValue | undefined)[]> {
  if (o.results.length !== keysAsked) throw malformed(`batch get answered ${o.results.length} results for ${keysAsked} keys`);
  return { header: parseHeader(o.header), value: o.results.map((r) => parseFound(r.found, r.kv)) };
}

export function parsePutAnswer(o: PutResponse__Output): Answer<PutResult> {
  return { header: parseHeader(o.header), value: { version: parseUint64(o.version, 'version') } };
}

export function parseDeleteAnswer(o: DeleteResponse__Output): Answer<DeleteResult> {
  return { header: parseHeader(o.header), value: { deleted: o.deleted, version: parseUint64(o.version, 'version') } };
}

export function parseCompareAndSwapAnswer(o: CompareAndSwapResponse__Output): Answer<CompareAndSwapResult> {
  return {
    header: parseHeader(o.header),
    value: { succeeded: o.succeeded, current: o.found ? o.currentValue : undefined, version: parseUint64(o.version, 'version') },
  };
}

export function parseScanAnswer(o: ScanResponse__Output): Answer<ScanPage> {
  return { header: parseHeader(o.header), value: { kvs: o.kvs.map(parseKeyValue), nextPageToken: o.nextPageToken } };
}

export function parseLocateAnswer(o: LocateResponse__Output): LocateAnswer {
  const stores = new Map<StoreId, string>();
  for (const s of o.stores) {
    const id = parseRequiredId(s.storeId, 'stores[].store_id', storeId);
    if (!/^[^\s:]+:\d{1,5}$/.test(s.address)) throw malformed(`store ${id} has address ${JSON.stringify(s.address)}`);
    stores.set(id, s.address);
  }
  const ranges = o.ranges.map((r): RangeLocation => {
    const id = parseRequiredId(r.rangeId, 'ranges[].range_id', rangeId);
    if (r.epoch === null) throw malformed(`range ${id} without an epoch`);
    if (r.end.length !== 0 && compareBytes(r.start, r.end) >= 0) throw malformed(`range ${id} has an empty or inverted span`);
    const replicas = r.replicas.map((x) => ({
      storeId: parseRequiredId(x.storeId, `range ${id} replica store_id`, storeId),
      replicaId: parseSafeNumber(x.replicaId, `range ${id} replica_id`),
      role: x.learner ? ('learner' as const) : ('voter' as const),
    }));
    return {
      descriptor: {
        rangeId: id,
        start: r.start,
        end: r.end,
        epoch: { confVersion: parseSafeNumber(r.epoch.confVersion, 'conf_version'), version: parseSafeNumber(r.epoch.version, 'version') },
        replicas,
        nextReplicaId: Math.max(0, ...replicas.map((x) => x.replicaId)) + 1,
      },
      leaderStoreId: parseOptionalId(r.leaderStoreId, `range ${id} leader_store_id`, storeId),
    };
  });
  return { ranges, stores };
}
