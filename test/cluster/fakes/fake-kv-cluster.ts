import * as grpc from '@grpc/grpc-js';
import type { BatchGetRequest__Output } from '../../../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse } from '../../../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapRequest__Output } from '../../../proto/generated/rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse } from '../../../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest__Output } from '../../../proto/generated/rangekv/v1/DeleteRequest.js';
import type { DeleteResponse } from '../../../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../../../proto/generated/rangekv/v1/GetRequest.js';
import type { GetResponse } from '../../../proto/generated/rangekv/v1/GetResponse.js';
import type { KVHandlers } from '../../../proto/generated/rangekv/v1/KV.js';
import type { LocateRequest__Output } from '../../../proto/generated/rangekv/v1/LocateRequest.js';
import type { LocateResponse } from '../../../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutRequest__Output } from '../../../proto/generated/rangekv/v1/PutRequest.js';
import type { PutResponse } from '../../../proto/generated/rangekv/v1/PutResponse.js';
import type { ScanRequest__Output } from '../../../proto/generated/rangekv/v1/ScanRequest.js';
import type { ScanResponse } from '../../../proto/generated/rangekv/v1/ScanResponse.js';
import type { KeyValue } from '../../../proto/generated/rangekv/v1/KeyValue.js';
import type { RequestHeader__Output } from '../../../proto/generated/rangekv/v1/RequestHeader.js';
import type { ResponseHeader } from '../../../proto/generated/rangekv/v1/ResponseHeader.js';
import { kvProto } from '../../../proto/grpc-definitions.js';
import { KvError, toServiceError } from '../../../proto/kv-error.js';
import { compareBytes, epochEquals, rangeContainsKey, rangeId, storeId, toWire, rangeLocationToProto, type RangeDescriptor, type StoreId } from '../../../proto/range-descriptor.js';
import { decodeSessionToken, encodeSessionToken, mergeSessionTokens } from '../../../proto/session-token.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A fake rangekv cluster for client tests: real gRPC servers on 127.0.0.1 (one per store, each
 * behind a TCP proxy that can cut connections) serving the public KV API over one shared in-memory
 * map, with a range layout and leaders the test controls, an exactly-once table, a log of every
 * request received, and scripted faults.
 *
 * Each store behaves like a node would: with a route it checks the range, epoch and leadership
 * and answers RANGE_NOT_FOUND / EPOCH_MISMATCH / KEY_NOT_IN_RANGE / NOT_LEADER; without a route it
 * acts as a gateway and serves directly (the forwarding itself is not modelled).
 */

export type KvMethodName = 'Get' | 'BatchGet' | 'Put' | 'Delete' | 'Scan' | 'CompareAndSwap' | 'Locate';
const writeMethods: ReadonlySet<KvMethodName> = new Set(['Put', 'Delete', 'CompareAndSwap']);

export interface RecordedRequest {
  readonly storeId: number;
  readonly method: KvMethodName;
  readonly route: { readonly rangeId: number; readonly version: number; readonly confVersion: number } | undefined;
  /** Hex; empty for reads. */
  readonly clientId: string;
  readonly seq: bigint;
  readonly firstIncompleteSeq: bigint;
  readonly sessionToken: Uint8Array;
  readonly key: string | undefined;
  readonly keys: readonly string[];
  readonly scan: { readonly start: string; readonly end: string; readonly reverse: boolean; readonly limit: number; readonly pageToken: boolean } | undefined;
}

export type FaultAction =
  /** Answer with this error instead of serving. */
  | { readonly kind: 'error'; readonly error: KvError }
  /** Wait, then serve normally (`applyFirst`: apply a write at once and only delay the answer). */
  | { readonly kind: 'delay'; readonly ms: number; readonly applyFirst?: boolean }
  /** Optionally apply the write, then reset every connection of the store without answering. */
  | { readonly kind: 'drop'; readonly apply: boolean }
  /** Optionally apply the write, then answer OUTCOME_UNKNOWN. */
  | { readonly kind: 'outcome-unknown'; readonly apply: boolean }
  /** Never answer. */
  | { readonly kind: 'hang' }
  /** Serve normally, then let the test corrupt the answer (a buggy server). */
  | { readonly kind: 'tamper'; readonly tamper: (answer: Record<string, unknown>) => void };

export interface Fault {
  readonly store?: number;
  readonly method?: KvMethodName | 'write' | 'read';
  /** How many requests it hits (default 1; Infinity for all). */
  times?: number;
  readonly action: FaultAction;
}

export interface FakeRangeSpec {
  readonly id: number;
  readonly start: string;
  /** '' = +∞ */
  readonly end: string;
  readonly stores: readonly number[];
  readonly leader: number | undefined;
  readonly version?: number;
  readonly confVersion?: number;
}

interface FakeRange {
  descriptor: RangeDescriptor;
  leader: StoreId | undefined;
}

interface StoredValue {
  readonly value: Uint8Array;
  readonly version: bigint;
}

type WriteOutcome =
  | { readonly kind: 'put'; readonly version: bigint }
  | { readonly kind: 'delete'; readonly deleted: boolean; readonly version: bigint }
  | { readonly kind: 'cas'; readonly succeeded: boolean; readonly current: Uint8Array | undefined; readonly version: bigint };

type WriteOp =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: Uint8Array }
  | { readonly kind: 'cas'; readonly key: Uint8Array; readonly expected: Uint8Array | undefined; readonly next: Uint8Array | undefined };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

export class FakeStore {
  constructor(
    readonly storeId: StoreId,
    private readonly server: grpc.Server,
    private readonly proxy: TcpProxy,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.proxy.port}`;
  }

  dropConnections(): void {
    this.proxy.dropConnections();
  }

  setDown(down: boolean): void {
    this.proxy.setDown(down);
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    this.server.forceShutdown();
  }
}

export class FakeKvCluster {
  readonly stores = new Map<StoreId, FakeStore>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Applications per (clientId, seq): an exactly-once violation shows up as a count > 1. */
  readonly applications = new Map<string, number>();
  private readonly data = new Map<string, StoredValue>();
  private readonly dedup = new Map<string, WriteOutcome>();
  private readonly appliedIndex = new Map<number, number>();
  private ranges: FakeRange[] = [];
  private version = 1000n;
  /** When set, Locate answers from this layout instead of the real one (a stale node). */
  staleLocateView: FakeRangeSpec[] | undefined;

  private constructor() {}

  static async start(opts: { stores: number; ranges: readonly FakeRangeSpec[] }): Promise<FakeKvCluster> {
    const c = new FakeKvCluster();
    c.setLayout(opts.ranges);
    try {
      for (let i = 1; i <= opts.stores; i++) c.stores.set(storeId(i), await c.startStore(storeId(i)));
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  get addresses(): string[] {
    return [...this.stores.values()].map((s) => s.address);
  }

  store(id: number): FakeStore {
    const s = this.stores.get(storeId(id));
    if (s === undefined) throw new Error(`no store ${id}`);
    return s;
  }

  setLayout(specs: readonly FakeRangeSpec[]): void {
    this.ranges = specs.map((s) => ({ descriptor: descriptorOf(s), leader: s.leader === undefined ? undefined : storeId(s.leader) }));
  }

  setLeader(range: number, leader: number | undefined): void {
    const r = this.ranges.find((x) => x.descriptor.rangeId === range);
    if (r === undefined) throw new Error(`no range ${range}`);
    r.leader = leader === undefined ? undefined : storeId(leader);
  }

  descriptor(range: number): RangeDescriptor {
    const r = this.ranges.find((x) => x.descriptor.rangeId === range);
    if (r === undefined) throw new Error(`no range ${range}`);
    return r.descriptor;
  }

  /** Adds a fault; returns it so a test can see how many hits remain. */
  inject(f: Fault): Fault {
    this.faults.push(f);
    return f;
  }

  /** Puts a key directly (no request). */
  seed(key: string, value: string): void {
    this.data.set(hex(enc(key)), { value: enc(value), version: ++this.version });
  }

  value(key: string): string | undefined {
    const v = this.data.get(hex(enc(key)));
    return v === undefined ? undefined : text(v.value);
  }

  requestsTo(method: KvMethodName): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.stop()));
  }

  // ----------------------------------------------------------------------------------------------

  private async startStore(id: StoreId): Promise<FakeStore> {
    const server = new grpc.Server();
    server.addService(kvProto().rangekv.v1.KV.service, this.handlers(id));
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))));
    const proxy = await TcpProxy.start(port);
    return new FakeStore(id, server, proxy);
  }

  private handlers(id: StoreId): KVHandlers {
    const wrap =
      <Req extends { header?: RequestHeader__Output | null }, Res>(method: KvMethodName, serve: (req: Req, store: StoreId) => Res, summary: (req: Req) => Partial<RecordedRequest>, writeOp?: (req: Req) => WriteOp): grpc.handleUnaryCall<Req, Res> =>
      (call, callback) => {
        const req = call.request;
        this.record(id, method, req.header ?? null, summary(req));
        void this.serveWithFaults(id, method, req, serve, writeOp, callback);
      };
    const keyOf = (r: { key: Buffer }): Partial<RecordedRequest> => ({ key: text(r.key) });
    return {
      Get: wrap<GetRequest__Output, GetResponse>('Get', (r, s) => this.get(r, s), keyOf),
      BatchGet: wrap<BatchGetRequest__Output, BatchGetResponse>('BatchGet', (r, s) => this.batchGet(r, s), (r) => ({ keys: r.keys.map(text) })),
      Put: wrap<PutRequest__Output, PutResponse>('Put', (r, s) => this.write(r, s, { kind: 'put', key: r.key, value: r.value }), keyOf, (r) => ({ kind: 'put', key: r.key, value: r.value })),
      Delete: wrap<DeleteRequest__Output, DeleteResponse>('Delete', (r, s) => this.write(r, s, { kind: 'delete', key: r.key }), keyOf, (r) => ({ kind: 'delete', key: r.key })),
      CompareAndSwap: wrap<CompareAndSwapRequest__Output, CompareAndSwapResponse>('CompareAndSwap', (r, s) => this.write(r, s, casOp(r)), keyOf, casOp),
      Scan: wrap<ScanRequest__Output, ScanResponse>('Scan', (r, s) => this.scan(r, s), (r) => ({ scan: { start: text(r.start), end: text(r.end), reverse: r.reverse, limit: r.limit, pageToken: r.pageToken.length > 0 } })),
      Locate: wrap<LocateRequest__Output & { header?: null }, LocateResponse>('Locate', (r) => this.locate(r), (r) => ({ key: text(r.key) })),
    };
  }

  private record(id: StoreId, method: KvMethodName, h: RequestHeader__Output | null, extra: Partial<RecordedRequest>): void {
    this.requests.push({
      storeId: id,
      method,
      route: h?.route == null ? undefined : { rangeId: Number(h.route.rangeId), version: Number(h.route.epoch?.version ?? 0), confVersion: Number(h.route.epoch?.confVersion ?? 0) },
      clientId: h === null ? '' : hex(h.clientId),
      seq: BigInt(h?.seq ?? '0'),
      firstIncompleteSeq: BigInt(h?.firstIncompleteSeq ?? '0'),
      sessionToken: h === null ? new Uint8Array(0) : new Uint8Array(h.sessionToken),
      key: undefined,
      keys: [],
      scan: undefined,
      ...extra,
    });
  }

  private takeFault(id: StoreId, method: KvMethodName): FaultAction | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.store !== undefined && f.store !== id) continue;
      if (f.method !== undefined) {
        const isWrite = writeMethods.has(method);
        if (f.method === 'write' ? !isWrite : f.method === 'read' ? isWrite || method === 'Locate' : f.method !== method) continue;
      }
      const left = (f.times ?? 1) - 1;
      f.times = left;
      if (left <= 0) this.faults.splice(i, 1);
      return f.action;
    }
    return undefined;
  }

  private async serveWithFaults<Req extends { header?: RequestHeader__Output | null }, Res>(
    id: StoreId,
    method: KvMethodName,
    req: Req,
    serve: (req: Req, store: StoreId) => Res,
    writeOp: ((req: Req) => WriteOp) | undefined,
    callback: grpc.sendUnaryData<Res>,
  ): Promise<void> {
    const answer = (tamper?: (answer: Record<string, unknown>) => void): void => {
      try {
        const res = serve(req, id);
        tamper?.(res as Record<string, unknown>);
        callback(null, res);
      } catch (e) {
        callback(toServiceError(e instanceof KvError ? e : new KvError('INTERNAL', String(e))));
      }
    };
    const applyOnly = (): void => {
      if (writeOp !== undefined) this.applyWrite(req.header ?? null, writeOp(req));
    };
    const action = this.takeFault(id, method);
    if (action === undefined) return answer();
    switch (action.kind) {
      case 'error':
        return callback(toServiceError(action.error));
      case 'delay':
        if (action.applyFirst === true) applyOnly();
        await sleep(action.ms);
        return answer();
      case 'drop':
        if (action.apply) applyOnly();
        this.store(id).dropConnections();
        return;
      case 'outcome-unknown':
        if (action.apply) applyOnly();
        return callback(toServiceError(new KvError('OUTCOME_UNKNOWN', 'the write was proposed but not applied before the deadline')));
      case 'hang':
        return;
      case 'tamper':
        return answer(action.tamper);
    }
  }

  /** The range a request is served from: checked like a node would when routed, looked up when not. */
  private rangeFor(h: RequestHeader__Output | null, store: StoreId, key: Uint8Array | undefined, needsLeader: boolean): FakeRange {
    const route = h?.route ?? null;
    if (route === null) {
      const r = key === undefined ? this.ranges[0] : this.ranges.find((x) => rangeContainsKey(x.descriptor, key));
      if (r === undefined) throw new KvError('UNAVAILABLE', 'no range known for the key');
      return r;
    }
    const r = this.ranges.find((x) => x.descriptor.rangeId === Number(route.rangeId));
    if (r === undefined || !r.descriptor.replicas.some((x) => x.storeId === store)) throw new KvError('RANGE_NOT_FOUND', `store ${store} has no replica of range ${route.rangeId}`);
    const epoch = { confVersion: Number(route.epoch?.confVersion ?? 0), version: Number(route.epoch?.version ?? 0) };
    if (!epochEquals(epoch, r.descriptor.epoch)) throw new KvError('EPOCH_MISMATCH', `range ${r.descriptor.rangeId} has another epoch`, { range: toWire(r.descriptor) });
    if (key !== undefined && !rangeContainsKey(r.descriptor, key)) throw new KvError('KEY_NOT_IN_RANGE', 'key outside the range', { range: toWire(r.descriptor) });
    if (needsLeader && r.leader !== store) {
      if (r.leader === undefined) throw new KvError('NOT_LEADER', 'no leader known', { retryAfterMs: 20 });
      throw new KvError('NOT_LEADER', `store ${r.leader} leads`, { leaderStoreId: r.leader, leaderAddress: this.store(r.leader).address });
    }
    return r;
  }

  private header(h: RequestHeader__Output | null, r: FakeRange | undefined, store: StoreId): ResponseHeader {
    const incoming = decodeSessionToken(h?.sessionToken ?? new Uint8Array(0));
    const token = r === undefined ? incoming : mergeSessionTokens(incoming, new Map([[r.descriptor.rangeId, this.appliedIndex.get(r.descriptor.rangeId) ?? 0]]));
    return { sessionToken: encodeSessionToken(token), rangeId: r?.descriptor.rangeId ?? 0, storeId: store };
  }

  private kv(key: Uint8Array, v: StoredValue, keysOnly = false): KeyValue {
    return { key: Buffer.from(key), value: keysOnly ? Buffer.alloc(0) : Buffer.from(v.value), version: v.version.toString() };
  }

  private get(req: GetRequest__Output, store: StoreId): GetResponse {
    const r = this.rangeFor(req.header, store, req.key, req.consistency === 'READ_CONSISTENCY_LINEARIZABLE');
    const v = this.data.get(hex(req.key));
    return { header: this.header(req.header, r, store), found: v !== undefined, kv: v === undefined ? null : this.kv(req.key, v) };
  }

  private batchGet(req: BatchGetRequest__Output, store: StoreId): BatchGetResponse {
    const needsLeader = req.consistency === 'READ_CONSISTENCY_LINEARIZABLE';
    let r: FakeRange | undefined;
    const results = req.keys.map((k) => {
      r = this.rangeFor(req.header, store, k, needsLeader);
      const v = this.data.get(hex(k));
      return { header: null, found: v !== undefined, kv: v === undefined ? null : this.kv(k, v) };
    });
    return { header: this.header(req.header, r, store), results };
  }

  private write(req: { header: RequestHeader__Output | null; key: Buffer }, store: StoreId, op: WriteOp): PutResponse & DeleteResponse & CompareAndSwapResponse {
    const r = this.rangeFor(req.header, store, req.key, true);
    const outcome = this.applyWrite(req.header, op);
    const header = this.header(req.header, r, store);
    switch (outcome.kind) {
      case 'put':
        return { header, version: outcome.version.toString() };
      case 'delete':
        return { header, deleted: outcome.deleted, version: outcome.version.toString() };
      case 'cas':
        return { header, succeeded: outcome.succeeded, found: outcome.current !== undefined, currentValue: Buffer.from(outcome.current ?? new Uint8Array(0)), version: outcome.version.toString() };
    }
  }

  /** Applies a write once per (clientId, seq); a retry gets the first result. */
  private applyWrite(h: RequestHeader__Output | null, op: WriteOp): WriteOutcome {
    const session = h !== null && h.clientId.length > 0 ? `${hex(h.clientId)}/${h.seq}` : undefined;
    if (session !== undefined) {
      const seen = this.dedup.get(session);
      if (seen !== undefined) return seen;
    }
    const range = this.ranges.find((x) => rangeContainsKey(x.descriptor, op.key));
    if (range !== undefined) this.appliedIndex.set(range.descriptor.rangeId, (this.appliedIndex.get(range.descriptor.rangeId) ?? 0) + 1);
    const k = hex(op.key);
    const current = this.data.get(k);
    const version = ++this.version;
    let outcome: WriteOutcome;
    switch (op.kind) {
      case 'put':
        this.data.set(k, { value: op.value, version });
        outcome = { kind: 'put', version };
        break;
      case 'delete':
        this.data.delete(k);
        outcome = { kind: 'delete', deleted: current !== undefined, version };
        break;
      case 'cas': {
        const matches = op.expected === undefined ? current === undefined : current !== undefined && compareBytes(current.value, op.expected) === 0;
        if (matches) {
          if (op.next === undefined) this.data.delete(k);
          else this.data.set(k, { value: op.next, version });
        }
        outcome = { kind: 'cas', succeeded: matches, current: current?.value, version };
        break;
      }
    }
    if (session !== undefined) {
      this.dedup.set(session, outcome);
      this.applications.set(session, (this.applications.get(session) ?? 0) + 1);
    }
    return outcome;
  }

  private scan(req: ScanRequest__Output, store: StoreId): ScanResponse {
    let start: Uint8Array = req.start;
    let end: Uint8Array = req.end;
    if (req.pageToken.length > 0) {
      // Token: 1 byte direction, then the resume key (forward: next start; reverse: next end).
      if ((req.pageToken[0] === 1) !== req.reverse) throw new KvError('INVALID_ARGUMENT', 'page token for the other direction');
      if (req.reverse) end = req.pageToken.subarray(1);
      else start = req.pageToken.subarray(1);
    }
    const needsLeader = req.consistency === 'READ_CONSISTENCY_LINEARIZABLE';
    let r: FakeRange;
    if (req.header?.route != null) {
      r = this.rangeFor(req.header, store, req.reverse ? undefined : start, needsLeader);
    } else {
      const found = req.reverse
        ? this.ranges.find((x) => (end.length === 0 ? x.descriptor.end.length === 0 : compareBytes(x.descriptor.start, end) < 0 && (x.descriptor.end.length === 0 || compareBytes(end, x.descriptor.end) <= 0)))
        : this.ranges.find((x) => rangeContainsKey(x.descriptor, start));
      if (found === undefined) throw new KvError('UNAVAILABLE', 'no range for the scan');
      r = found;
    }
    const d = r.descriptor;
    const spanStart = compareBytes(start, d.start) > 0 ? start : d.start;
    const spanEnd = end.length === 0 ? d.end : d.end.length === 0 || compareBytes(end, d.end) < 0 ? end : d.end;
    const keys = [...this.data.keys()]
      .map((k) => new Uint8Array(Buffer.from(k, 'hex')))
      .filter((k) => compareBytes(k, spanStart) >= 0 && (spanEnd.length === 0 || compareBytes(k, spanEnd) < 0))
      .sort(compareBytes);
    if (req.reverse) keys.reverse();
    const limit = req.limit === 0 ? 1000 : req.limit;
    const page = keys.slice(0, limit);
    const kvs = page.map((k) => this.kv(k, this.data.get(hex(k))!, req.keysOnly));
    const last = page[page.length - 1];
    let next = Buffer.alloc(0);
    if (keys.length > limit && last !== undefined) {
      next = Buffer.concat([Buffer.from([req.reverse ? 1 : 0]), Buffer.from(last), req.reverse ? Buffer.alloc(0) : Buffer.from([0])]);
    } else if (!req.reverse && d.end.length > 0 && (end.length === 0 || compareBytes(d.end, end) < 0)) {
      next = Buffer.concat([Buffer.from([0]), Buffer.from(d.end)]);
    } else if (req.reverse && d.start.length > 0 && compareBytes(d.start, start) > 0) {
      next = Buffer.concat([Buffer.from([1]), Buffer.from(d.start)]);
    }
    return { header: this.header(req.header, r, store), kvs, nextPageToken: next };
  }

  private locate(req: LocateRequest__Output): LocateResponse {
    const view = this.staleLocateView?.map((s) => ({ descriptor: descriptorOf(s), leader: s.leader === undefined ? undefined : storeId(s.leader) })) ?? this.ranges;
    const end = req.end.length === 0 ? Buffer.concat([req.key, Buffer.from([0])]) : req.end;
    const limit = req.limit === 0 ? 1 : req.limit;
    const ranges = view
      .filter(({ descriptor: d }) => (d.end.length === 0 || compareBytes(d.end, req.key) > 0) && compareBytes(d.start, end) < 0)
      .sort((a, b) => compareBytes(a.descriptor.start, b.descriptor.start))
      .slice(0, limit);
    return {
      ranges: ranges.map(({ descriptor, leader }) => rangeLocationToProto(descriptor, leader)),
      stores: [...this.stores.values()].map((s) => ({ storeId: String(s.storeId), address: s.address })),
    };
  }
}

function casOp(r: CompareAndSwapRequest__Output): WriteOp {
  return { kind: 'cas', key: r.key, expected: r.expectedValue ?? undefined, next: r.deleteOnMatch ? undefined : r.newValue };
}

function descriptorOf(s: FakeRangeSpec): RangeDescriptor {
  return {
    rangeId: rangeId(s.id),
    start: enc(s.start),
    end: enc(s.end),
    epoch: { confVersion: s.confVersion ?? 1, version: s.version ?? 1 },
    replicas: s.stores.map((x, i) => ({ storeId: storeId(x), replicaId: i + 1, role: 'voter' as const })),
    nextReplicaId: s.stores.length + 1,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
