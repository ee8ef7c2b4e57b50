import * as grpc from '@grpc/grpc-js';
import type { BatchGetRequest__Output } from '../../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse } from '../../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapRequest__Output } from '../../proto/generated/rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse } from '../../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest__Output } from '../../proto/generated/rangekv/v1/DeleteRequest.js';
import type { DeleteResponse } from '../../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../../proto/generated/rangekv/v1/GetRequest.js';
import type { GetResponse } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { KVHandlers } from '../../proto/generated/rangekv/v1/KV.js';
import type { LocateRequest__Output } from '../../proto/generated/rangekv/v1/LocateRequest.js';
import type { LocateResponse } from '../../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutRequest__Output } from '../../proto/generated/rangekv/v1/PutRequest.js';
import type { PutResponse } from '../../proto/generated/rangekv/v1/PutResponse.js';
import type { RequestHeader__Output } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import type { ResponseHeader } from '../../proto/generated/rangekv/v1/ResponseHeader.js';
import type { ScanRequest__Output } from '../../proto/generated/rangekv/v1/ScanRequest.js';
import type { ScanResponse } from '../../proto/generated/rangekv/v1/ScanResponse.js';
import type { KeyValue } from '../../proto/generated/rangekv/v1/KeyValue.js';
import type { ReadConsistency__Output } from '../../proto/generated/rangekv/v1/ReadConsistency.js';
import { timestampMax } from '../../storage/index.js';
import { ByteReader, ByteWriter, CodecError } from '../../proto/byte-codec.js';
import { encodeCommand, type ClientSession, type KvOp, type WriteResult } from '../kv/command.js';
import type { RangeLocationInfo } from '../gateway/gateway.js';
import { KvError, isKvError, toServiceError } from '../../proto/kv-error.js';
import type { Node } from '../node/node.js';
import { compareBytes, rangeContainsKey, toWire, type StoreId } from '../../proto/range-descriptor.js';
import type { AppliedWrite, ReadMode, Replica } from '../replica/replica.js';
import { decodeSessionToken, encodeSessionToken, mergeSessionTokens, type SessionToken } from '../../proto/session-token.js';

type Consistency = 'linearizable' | 'follower' | 'session';

/** A request's parsed header: everything after this point is trusted. */
interface Header {
  readonly route: { rangeId: number; confVersion: number; version: number } | undefined;
  readonly token: SessionToken;
  readonly session: ClientSession | null;
  readonly deadlineAtMs: number;
  /** The raw header, passed on unchanged when forwarding. */
  readonly raw: RequestHeader__Output | null;
}

const scanLimitMax = 10_000;
const scanLimitDefault = 1_000;
const forwardAttemptsMax = 12;

export function createKvService(node: Node): KVHandlers {
  return {
    Get: unary(node, async (req: GetRequest__Output, h) => get(node, req, h)),
    BatchGet: unary(node, async (req: BatchGetRequest__Output, h) => batchGet(node, req, h)),
    Put: unary(node, async (req: PutRequest__Output, h) => {
      const key = checkKey(node, req.key);
      checkValue(node, req.value);
      const r = await write(node, h, key, { kind: 'put', key, value: copy(req.value) }, 'Put', req);
      return { header: r.header, version: r.write.result.version.toString() } satisfies PutResponse;
    }),
    Delete: unary(node, async (req: DeleteRequest__Output, h) => {
      const key = checkKey(node, req.key);
      const r = await write(node, h, key, { kind: 'delete', key }, 'Delete', req);
      const res = r.write.result;
      return { header: r.header, deleted: res.kind === 'delete' && res.deleted, version: res.version.toString() } satisfies DeleteResponse;
    }),
    CompareAndSwap: unary(node, async (req: CompareAndSwapRequest__Output, h) => {
      const key = checkKey(node, req.key);
      if (!req.deleteOnMatch) checkValue(node, req.newValue);
      const expected = req.expectedValue === undefined || req.expectedValue === null ? null : copy(req.expectedValue);
      const op: KvOp = { kind: 'cas', key, expected, newValue: req.deleteOnMatch ? null : copy(req.newValue) };
      const r = await write(node, h, key, op, 'CompareAndSwap', req);
      const res = r.write.result;
      if (res.kind !== 'cas') throw new KvError('INTERNAL', 'unexpected result kind');
      return {
        header: r.header,
        succeeded: res.succeeded,
        found: res.current !== null,
        currentValue: res.current ?? new Uint8Array(0),
        version: res.version.toString(),
      } satisfies CompareAndSwapResponse;
    }),
    Scan: unary(node, async (req: ScanRequest__Output, h) => scan(node, req, h)),
    Locate: unary(node, async (req: LocateRequest__Output) => locate(node, req)),
  };
}

// -------------------------------------------------------------------------------------------------
// Plumbing

function unary<Req extends object, Res>(node: Node, handle: (req: Req, header: Header) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let header: Header;
    try {
      const raw = (call.request as { header?: RequestHeader__Output | null }).header ?? null;
      header = parseHeader(node, raw, call.getDeadline());
    } catch (e) {
      callback(toServiceError(asKvError(node, e)));
      return;
    }
    handle(call.request, header).then(
      (res) => callback(null, res),
      (e: unknown) => callback(toServiceError(asKvError(node, e))),
    );
  };
}

function asKvError(node: Node, e: unknown): KvError {
  if (e instanceof KvError) return e;
  node.logger.error({ err: e }, 'unexpected error serving a request');
  return new KvError('INTERNAL', (e as Error).message ?? String(e));
}

function parseHeader(node: Node, raw: RequestHeader__Output | null, deadline: grpc.Deadline): Header {
  const now = Date.now();
  const callDeadline = deadline instanceof Date ? deadline.getTime() : deadline;
  const deadlineAtMs = Math.min(Number.isFinite(callDeadline) ? callDeadline : Infinity, now + node.opts.defaultDeadlineMs);
  if (raw === null) return { route: undefined, token: new Map(), session: null, deadlineAtMs, raw };
  let route: Header['route'];
  if (raw.route !== null) {
    const rangeId = uint64(raw.route.rangeId, 'route.range_id');
    if (rangeId === 0) throw new KvError('INVALID_ARGUMENT', 'route.range_id must be set');
    route = { rangeId, confVersion: uint64(raw.route.epoch?.confVersion ?? '0', 'epoch.conf_version'), version: uint64(raw.route.epoch?.version ?? '0', 'epoch.version') };
  }
  let session: ClientSession | null = null;
  if (raw.clientId.length > 0) {
    if (raw.clientId.length !== 16) throw new KvError('INVALID_ARGUMENT', `client_id must be 16 bytes, got ${raw.clientId.length}`);
    const seq = uint64(raw.seq, 'seq');
    const firstIncompleteSeq = uint64(raw.firstIncompleteSeq, 'first_incomplete_seq');
    if (seq === 0) throw new KvError('INVALID_ARGUMENT', 'seq must be ≥ 1 when client_id is set');
    if (firstIncompleteSeq > seq) throw new KvError('INVALID_ARGUMENT', 'first_incomplete_seq cannot exceed seq');
    session = { clientId: copy(raw.clientId), seq, firstIncompleteSeq };
  }
  return { route, token: decodeSessionToken(raw.sessionToken), session, deadlineAtMs, raw };
}

function uint64(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new KvError('INVALID_ARGUMENT', `${what} out of range: ${v}`);
  return n;
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function checkKey(node: Node, key: Uint8Array): Uint8Array {
  if (key.length === 0) throw new KvError('INVALID_ARGUMENT', 'key must not be empty');
  if (key.length > node.opts.keyBytesMax) throw new KvError('INVALID_ARGUMENT', `key of ${key.length} bytes exceeds ${node.opts.keyBytesMax}`);
  return copy(key);
}

function checkValue(node: Node, value: Uint8Array): void {
  if (value.length > node.opts.valueBytesMax) throw new KvError('INVALID_ARGUMENT', `value of ${value.length} bytes exceeds ${node.opts.valueBytesMax}`);
}

function consistencyOf(c: ReadConsistency__Output): Consistency {
  switch (c) {
    case 'READ_CONSISTENCY_FOLLOWER':
      return 'follower';
    case 'READ_CONSISTENCY_SESSION':
      return 'session';
    default:
      return 'linearizable';
  }
}

function responseHeader(node: Node, h: Header, replica: Replica | undefined, index: number): ResponseHeader {
  const token = replica === undefined ? h.token : mergeSessionTokens(h.token, new Map([[replica.rangeId, index]]));
  return { sessionToken: encodeSessionToken(token), rangeId: replica?.rangeId ?? 0, storeId: node.storeId };
}

// -------------------------------------------------------------------------------------------------
// Routing

/** The local replica a routed request names, after checking the route is current. */
function routedReplica(node: Node, h: Header, key: Uint8Array | undefined): Replica | undefined {
  const route = h.route;
  if (route === undefined) return undefined;
  const r = node.replicas.get(route.rangeId);
  if (r === undefined) throw new KvError('RANGE_NOT_FOUND', `store ${node.storeId} has no replica of range ${route.rangeId}`);
  // Only the span generation matters to a data request: a membership change (confVersion) moves no
  // keys, and raft itself decides who may serve. Refusing on confVersion made every gateway with a
  // lagging view fail requests for as long as a membership change took to reach it.
  if (r.descriptor.epoch.version !== route.version) {
    throw new KvError('EPOCH_MISMATCH', `range ${r.rangeId} is at epoch ${r.descriptor.epoch.confVersion}.${r.descriptor.epoch.version}`, { range: toWire(r.descriptor) });
  }
  if (key !== undefined && !rangeContainsKey(r.descriptor, key)) {
    throw new KvError('KEY_NOT_IN_RANGE', `key is outside range ${r.rangeId}`, { range: toWire(r.descriptor) });
  }
  return r;
}

/**
 * Runs a request on the replica that should serve it: locally when this store holds a suitable
 * replica, otherwise forwarded (with a route) to the store that does, retrying on stale routing
 * within the deadline.
 */
async function routeRequest<T>(
  node: Node,
  h: Header,
  key: Uint8Array,
  needsLeader: boolean,
  /** Whether a forwarded call that fails ambiguously may be retried (reads; writes with a session). */
  idempotent: boolean,
  /** Reads may end with any error; only writes care whether an attempt may have been applied. */
  readOnly: boolean,
  local: (r: Replica) => Promise<T>,
  remote: (store: StoreId, info: RangeLocationInfo) => Promise<T>,
): Promise<T> {
  const routed = routedReplica(node, h, key);
  if (routed !== undefined) return local(routed);
  let lastError: KvError | undefined;
  /** Set once the local replica answered without knowing a leader: ask the others instead. */
  let avoidSelf = false;
  /**
   * Set once a forwarded attempt failed without an answer (it may have been received and applied).
   * From then on a write can only end in success (a retry answered from the exactly-once table) or
   * OUTCOME_UNKNOWN, never in a definite error.
   */
  let ambiguous = false;
  const finalError = (e: KvError): KvError =>
    ambiguous && !readOnly ? new KvError('OUTCOME_UNKNOWN', `an earlier attempt may have been applied; last error: ${e.code}: ${e.message}`) : e;
  for (let attempt = 0; attempt < forwardAttemptsMax; attempt++) {
    if (Date.now() >= h.deadlineAtMs) break;
    const info = node.gateway.locate(key);
    if (info === undefined) throw new KvError('UNAVAILABLE', 'no range known for the key');
    const localReplica = node.replicas.get(info.descriptor.rangeId);
    let target: StoreId | undefined;
    if (localReplica !== undefined && !avoidSelf && (!needsLeader || localReplica.isLeader() || info.leader === undefined)) target = node.storeId;
    else {
      const others = info.descriptor.replicas.filter((r) => r.storeId !== node.storeId);
      target = (info.leader !== node.storeId ? info.leader : undefined) ?? others[attempt % Math.max(1, others.length)]?.storeId;
    }
    if (target === undefined) break;
    try {
      if (target === node.storeId && localReplica !== undefined) return await local(localReplica);
      return await remote(target, info);
    } catch (e) {
      if (!isKvError(e)) throw e;
      lastError = e;
      if (e.transportFailure || e.code === 'OUTCOME_UNKNOWN') ambiguous = true;
      node.gateway.learnFromError(info.descriptor.rangeId, target, e);
      const retry =
        e.code === 'NOT_LEADER' ||
        e.code === 'EPOCH_MISMATCH' ||
        e.code === 'RANGE_NOT_FOUND' ||
        e.code === 'KEY_NOT_IN_RANGE' ||
        (e.code === 'UNAVAILABLE' && (idempotent || target === node.storeId)) ||
        // The exactly-once table answers a retry of an applied write with its first result, and
        // skips the first attempt should it commit after the retry: safe to ask again.
        (e.code === 'OUTCOME_UNKNOWN' && idempotent);
      if (!retry) throw finalError(e);
      if (e.code === 'NOT_LEADER' && e.detail.leaderStoreId === undefined && target === node.storeId) avoidSelf = true;
      await sleep(Math.min(e.detail.retryAfterMs ?? 20 * (attempt + 1), Math.max(0, h.deadlineAtMs - Date.now())));
    }
  }
  throw finalError(lastError ?? new KvError('DEADLINE_EXCEEDED', 'deadline passed while routing the request'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The forwarded request: the same request with a route to the target range and epoch. */
function withRoute<Req extends { header?: RequestHeader__Output | null }>(req: Req, h: Header, info: RangeLocationInfo): Req {
  const base = h.raw ?? { sessionToken: new Uint8Array(0), clientId: new Uint8Array(0), seq: '0', firstIncompleteSeq: '0', route: null };
  const d = info.descriptor;
  return {
    ...req,
    header: { ...base, route: { rangeId: String(d.rangeId), epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) } } },
  };
}

// -------------------------------------------------------------------------------------------------
// Reads

function readMode(node: Node, r: Replica, consistency: Consistency, h: Header): ReadMode {
  if (node.opts.faults.staleReads === true) return { kind: 'unsafeLocal' };
  switch (consistency) {
    case 'linearizable':
      if (!r.isLeader()) throw node.notLeader(r);
      return { kind: 'readIndex' };
    case 'follower':
      return { kind: 'readIndex' };
    case 'session':
      return { kind: 'session', minIndex: h.token.get(r.rangeId) ?? 0 };
  }
}

function localRead<T>(node: Node, r: Replica, consistency: Consistency, h: Header, execute: (appliedIndex: number) => T): Promise<T> {
  node.admit();
  const mode = readMode(node, r, consistency, h);
  const { waiter, promise } = node.waiter<T>(h.deadlineAtMs, () => new KvError('DEADLINE_EXCEEDED', `range ${r.rangeId}: read not served before the deadline`));
  r.read({ mode, execute, waiter });
  node.markDirty(r);
  return promise;
}

function kvOf(key: Uint8Array, value: Uint8Array, version: bigint): KeyValue {
  return { key: Buffer.from(key), value: Buffer.from(value), version: version.toString() };
}

async function get(node: Node, req: GetRequest__Output, h: Header): Promise<GetResponse> {
  const key = checkKey(node, req.key);
  const consistency = consistencyOf(req.consistency);
  return routeRequest(
    node,
    h,
    key,
    // The stale-reads fault switch also lets any local replica (a follower, maybe cut off) answer.
    consistency === 'linearizable' && node.opts.faults.staleReads !== true,
    true,
    true,
    (r) =>
      localRead(node, r, consistency, h, (applied) => {
        const pair = node.store.mvcc.get(key, timestampMax);
        return { header: responseHeader(node, h, r, applied), found: pair !== null, kv: pair === null ? null : kvOf(key, pair.value, pair.commitTs) };
      }),
    (store, info) => node.gateway.call<GetRequest__Output, GetResponse>(store, 'Get', withRoute(req, h, info), h.deadlineAtMs),
  );
}

async function batchGet(node: Node, req: BatchGetRequest__Output, h: Header): Promise<BatchGetResponse> {
  if (req.keys.length > scanLimitMax) throw new KvError('INVALID_ARGUMENT', `at most ${scanLimitMax} keys per BatchGet`);
  const keys = req.keys.map((k) => Buffer.from(checkKey(node, k)));
  // Each key on its own route (ranges may differ); answers in request order.
  const results = await Promise.all(keys.map((key) => get(node, { header: req.header, key, consistency: req.consistency }, h)));
  let token = h.token;
  for (const r of results) {
    const t = r.header?.sessionToken;
    if (t instanceof Uint8Array) token = mergeSessionTokens(token, decodeSessionToken(t));
  }
  return { header: { sessionToken: encodeSessionToken(token), rangeId: 0, storeId: node.storeId }, results };
}

// Page tokens: u8 version, bool reverse, bytes resume key (forward: next start; reverse: next end, exclusive).
function encodePageToken(reverse: boolean, key: Uint8Array): Uint8Array {
  return new ByteWriter(8 + key.length).u8(1).bool(reverse).bytes(key).finish();
}

function decodePageToken(b: Uint8Array, reverse: boolean): Uint8Array {
  try {
    const r = new ByteReader(b);
    if (r.u8() !== 1) throw new CodecError('version');
    if (r.bool() !== reverse) throw new KvError('INVALID_ARGUMENT', 'page token is for the other scan direction');
    const key = r.bytes().slice();
    r.expectEnd('page token');
    return key;
  } catch (e) {
    if (e instanceof CodecError) throw new KvError('INVALID_ARGUMENT', 'malformed page token');
    throw e;
  }
}

async function scan(node: Node, req: ScanRequest__Output, h: Header): Promise<ScanResponse> {
  const reverse = req.reverse;
  const limit = req.limit === 0 ? scanLimitDefault : Math.min(req.limit, scanLimitMax);
  let start = copy(req.start);
  let end = copy(req.end);
  if (start.length > node.opts.keyBytesMax || end.length > node.opts.keyBytesMax) throw new KvError('INVALID_ARGUMENT', 'scan bound too long');
  if (req.pageToken.length > 0) {
    const resume = decodePageToken(req.pageToken, reverse);
    if (reverse) end = resume;
    else start = resume;
  }
  if (end.length > 0 && compareBytes(start, end) >= 0) return { header: responseHeader(node, h, undefined, 0), kvs: [], nextPageToken: new Uint8Array(0) };
  const consistency = consistencyOf(req.consistency);
  // One page never crosses a range boundary: find the range the page starts in.
  const probeKey = reverse ? undefined : start;
  const info = reverse ? node.gateway.locateBefore(end) : node.gateway.locate(start);
  const routed = routedReplica(node, h, probeKey);
  const descriptor = routed?.descriptor ?? info?.descriptor;
  if (descriptor === undefined) throw new KvError('UNAVAILABLE', 'no range known for the scan');
  const spanStart = compareBytes(start, descriptor.start) > 0 ? start : descriptor.start;
  const spanEnd = end.length === 0 ? descriptor.end : descriptor.end.length === 0 || compareBytes(end, descriptor.end) < 0 ? end : descriptor.end;
  const execute = (r: Replica, applied: number): ScanResponse => {
    const pairs = node.store.mvcc.scan({ span: { start: spanStart, end: spanEnd }, readTs: timestampMax, limit, reverse });
    const kvs = pairs.map((p) => kvOf(p.key, req.keysOnly ? new Uint8Array(0) : p.value, p.commitTs));
    let next: Uint8Array = new Uint8Array(0);
    const last = pairs[pairs.length - 1];
    if (pairs.length === limit && last !== undefined) {
      next = reverse ? encodePageToken(true, last.key) : encodePageToken(false, Buffer.concat([last.key, Buffer.from([0])]));
    } else if (!reverse && descriptor.end.length > 0 && (end.length === 0 || compareBytes(descriptor.end, end) < 0)) {
      next = encodePageToken(false, descriptor.end);
    } else if (reverse && descriptor.start.length > 0 && compareBytes(descriptor.start, start) > 0) {
      next = encodePageToken(true, descriptor.start);
    }
    return { header: responseHeader(node, h, r, applied), kvs, nextPageToken: next };
  };
  // Route by a key inside the page's range.
  const routeKey = descriptor.start.length > 0 ? descriptor.start : spanStart.length > 0 ? spanStart : new Uint8Array([0]);
  return routeRequest(
    node,
    h,
    routed !== undefined ? spanStart.length > 0 ? spanStart : routeKey : routeKey,
    consistency === 'linearizable',
    true,
    true,
    (r) => localRead(node, r, consistency, h, (applied) => execute(r, applied)),
    (store, loc) => node.gateway.call<ScanRequest__Output, ScanResponse>(store, 'Scan', withRoute(req, h, loc), h.deadlineAtMs),
  );
}

// -------------------------------------------------------------------------------------------------
// Writes

type WriteMethod = 'Put' | 'Delete' | 'CompareAndSwap';

async function write<Req extends { header?: RequestHeader__Output | null }>(
  node: Node,
  h: Header,
  key: Uint8Array,
  op: KvOp,
  method: WriteMethod,
  req: Req,
): Promise<{ header: ResponseHeader; write: AppliedWrite }> {
  return routeRequest(
    node,
    h,
    key,
    true,
    h.session !== null,
    false,
    (r) => localWrite(node, r, h, op),
    async (store, info) => {
      const res = await node.gateway.call<Req, { header: ResponseHeader | null } & Record<string, unknown>>(store, method, withRoute(req, h, info), h.deadlineAtMs);
      return { header: res.header ?? responseHeader(node, h, undefined, 0), write: writeFromResponse(method, res) };
    },
  );
}

function localWrite(node: Node, r: Replica, h: Header, op: KvOp): Promise<{ header: ResponseHeader; write: AppliedWrite }> {
  node.admit();
  if (!r.isLeader()) throw node.notLeader(r);
  const data = encodeCommand({ session: h.session, proposedTs: node.hlc.now(), op });
  // Past the deadline the write may still commit: its outcome is unknown, never "failed".
  const { waiter, promise } = node.waiter<AppliedWrite>(h.deadlineAtMs, () => new KvError('OUTCOME_UNKNOWN', `range ${r.rangeId}: the write was proposed but not applied before the deadline`));
  r.propose(data, waiter);
  node.markDirty(r);
  return promise.then((w) => ({ header: responseHeader(node, h, r, w.index), write: w }));
}

/** Rebuilds the write result from a forwarded answer (the gateway passes it through). */
function writeFromResponse(method: WriteMethod, res: Record<string, unknown>): AppliedWrite {
  const version = BigInt(typeof res['version'] === 'string' ? res['version'] : '0') as WriteResult['version'];
  let result: WriteResult;
  switch (method) {
    case 'Put':
      result = { kind: 'put', version };
      break;
    case 'Delete':
      result = { kind: 'delete', deleted: res['deleted'] === true, version };
      break;
    case 'CompareAndSwap':
      result = {
        kind: 'cas',
        succeeded: res['succeeded'] === true,
        current: res['found'] === true && res['currentValue'] instanceof Uint8Array ? res['currentValue'] : null,
        version,
      };
      break;
  }
  return { result, index: 0 };
}

// -------------------------------------------------------------------------------------------------
// Locate

function locate(node: Node, req: LocateRequest__Output): LocateResponse {
  const limit = req.limit === 0 ? 1 : Math.min(req.limit, 1000);
  let ranges: RangeLocationInfo[];
  if (req.before) {
    const info = node.gateway.locateBefore(req.key);
    ranges = info === undefined ? [] : [info];
  } else {
    const end: Uint8Array = req.toEnd ? new Uint8Array(0) : req.end.length === 0 ? Buffer.concat([req.key, Buffer.from([0])]) : req.end;
    ranges = node.gateway.rangesIn(req.key, end, limit);
  }
  return {
    ranges: ranges.map(({ descriptor: d, leader }) => ({
      rangeId: String(d.rangeId),
      start: Buffer.from(d.start),
      end: Buffer.from(d.end),
      epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) },
      replicas: d.replicas.map((r) => ({ storeId: String(r.storeId), replicaId: String(r.replicaId), learner: r.role === 'learner' })),
      leaderStoreId: String(leader ?? 0),
    })),
    stores: node.gateway.allStores().map(([storeId, address]) => ({ storeId: String(storeId), address })),
  };
}
