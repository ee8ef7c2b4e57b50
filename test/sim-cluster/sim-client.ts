import type { SeededRng } from '../../raft/index.js';
import type { GetResponse__Output } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { PutResponse__Output } from '../../proto/generated/rangekv/v1/PutResponse.js';
import type { CompareAndSwapResponse__Output } from '../../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteResponse__Output } from '../../proto/generated/rangekv/v1/DeleteResponse.js';
import type { ResponseHeader__Output } from '../../proto/generated/rangekv/v1/ResponseHeader.js';
import type { RequestHeader } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import { KvError as NodeKvError } from '../../proto/kv-error.js';
import { fromWire, rangeContainsKey, storeId, type RangeDescriptor, type StoreId } from '../../proto/range-descriptor.js';
import { decodeSessionToken, encodeSessionToken, mergeSessionTokens, type SessionToken } from '../../proto/session-token.js';
import type { JsonValue } from '../jepsen/json-value.js';
import { kvFailed, kvUnknown, type CasResult, type KvCallOptions, type KvClient } from '../jepsen/kv-client.js';
import type { EventOwner, SimEvent } from './sim-scheduler.js';
import type { SimWorld } from './sim-world.js';

/** A client process (it can "restart": a new incarnation, maybe reusing its id). */
export class SimClientProcess implements EventOwner {
  alive = true;
  paused = false;
  readonly deferred: SimEvent[] = [];
  constructor(readonly id: string) {}
  get owner(): EventOwner {
    return this;
  }
}

export type ReadConsistency = 'linearizable' | 'follower' | 'session';

export interface SimClientOptions {
  /** How long one attempt waits for its answer before trying elsewhere. */
  readonly attemptTimeoutMs: number;
  /** Chance that a request carries a route (range id and epoch) instead of leaving routing to the gateway. */
  readonly routeChance: number;
  /** Chance that a routed request names a stale epoch (it must be refused with EPOCH_MISMATCH). */
  readonly staleRouteChance: number;
  /** The mix of read consistencies of the workloads' reads (linearizable ones: they go in the history). */
  readonly consistencies: readonly Exclude<ReadConsistency, 'session'>[];
  /**
   * After an acknowledged write, chance of a session read of the same key. Session reads are not
   * linearizable, so they stay out of the history; the invariants check they never go back behind
   * what this client saw.
   */
  readonly sessionReadChance: number;
}

/** What a completed call observed: where it was served, for the simulator's invariants. */
export interface Observation {
  readonly kind: 'write' | 'read';
  readonly consistency: ReadConsistency | undefined;
  readonly rangeId: number;
  /** The index the write was applied at, or the applied index the read was served at. */
  readonly index: number;
  readonly clientId: Uint8Array;
  readonly seq: number;
  /** For reads: per range, the highest index acknowledged before this read was invoked. */
  readonly floor: ReadonlyMap<number, number>;
  /** For session reads: this client's own token at invoke. */
  readonly ownToken: SessionToken;
  /** The store that served it (the response header says). */
  readonly servedBy: number;
}

export interface ObservationSink {
  /** Highest index per range of every operation acknowledged so far. */
  ackedFloor(): ReadonlyMap<number, number>;
  observe(o: Observation): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeValue(v: JsonValue): Uint8Array {
  return encoder.encode(JSON.stringify(v));
}

function decodeValue(b: Uint8Array): JsonValue {
  return JSON.parse(decoder.decode(b)) as JsonValue;
}

/** Errors after which another attempt (same seq for writes) may succeed. */
function retryable(e: NodeKvError): boolean {
  switch (e.code) {
    case 'NOT_LEADER':
    case 'EPOCH_MISMATCH':
    case 'KEY_NOT_IN_RANGE':
    case 'RANGE_NOT_FOUND':
    case 'UNAVAILABLE':
    case 'OVERLOADED':
    case 'SHUTTING_DOWN':
    case 'DEADLINE_EXCEEDED':
    case 'OUTCOME_UNKNOWN':
    case 'INTERNAL':
    case 'STORAGE_FAILED':
      return true;
    default:
      return false;
  }
}

/**
 * A client of the simulated cluster speaking the public API through the real service code: each
 * attempt goes to any node (a gateway), with or without a route; a write keeps its (client id, seq)
 * across retries, so the network's duplicates and late retries must all be answered from the
 * exactly-once table. It implements the fault harness's KvClient, so the harness's workloads and
 * checkers run unchanged.
 */
export class SimKvClient implements KvClient {
  private nextSeq = 1;
  private token: SessionToken = new Map();
  private readonly routes = new Map<number, RangeDescriptor>();

  constructor(
    private readonly world: SimWorld,
    private proc: SimClientProcess,
    private clientId: Uint8Array,
    private readonly rng: SeededRng,
    private readonly options: SimClientOptions,
    private readonly sink: ObservationSink,
  ) {}

  get process(): SimClientProcess {
    return this.proc;
  }

  /**
   * The client restarts: its calls in flight are abandoned, its seq starts again at 1 and its
   * session is lost. With `sameId` it keeps its old id — what a buggy client does; the nodes must
   * never answer its new writes with its old ones' results.
   */
  restart(proc: SimClientProcess, newId: Uint8Array | undefined): void {
    this.proc.alive = false;
    this.proc = proc;
    if (newId !== undefined) this.clientId = newId;
    this.nextSeq = 1;
    this.token = new Map();
    this.routes.clear();
  }

  async get(key: string, options: KvCallOptions): Promise<JsonValue> {
    return this.read(key, this.rng.pick(this.options.consistencies), options.signal);
  }

  private async read(key: string, consistency: ReadConsistency, signal: AbortSignal): Promise<JsonValue> {
    const k = encoder.encode(key);
    const wire = consistency === 'linearizable' ? 'READ_CONSISTENCY_LINEARIZABLE' : consistency === 'follower' ? 'READ_CONSISTENCY_FOLLOWER' : 'READ_CONSISTENCY_SESSION';
    const floor = new Map(this.sink.ackedFloor());
    const ownToken = new Map(this.token);
    const res = await this.call<GetResponse__Output>('Get', k, undefined, (header) => ({ header, key: k, consistency: wire }), signal, consistency === 'session');
    this.observe('read', consistency, res.header, 0, floor, ownToken);
    return res.found && res.kv !== null ? decodeValue(res.kv.value) : null;
  }

  /** Maybe a session read after a write (read-your-writes); its failures do not matter to the workload. */
  private async maybeSessionRead(key: string, signal: AbortSignal): Promise<void> {
    if (!this.rng.chance(this.options.sessionReadChance)) return;
    await this.read(key, 'session', signal).catch(() => undefined);
  }

  async put(key: string, value: JsonValue, options: KvCallOptions): Promise<void> {
    const k = encoder.encode(key);
    const seq = this.nextSeq++;
    const res = await this.call<PutResponse__Output>('Put', k, seq, (header) => ({ header, key: k, value: encodeValue(value) }), options.signal);
    this.observe('write', undefined, res.header, seq, new Map(), new Map());
    await this.maybeSessionRead(key, options.signal);
  }

  async cas(key: string, expected: JsonValue, next: JsonValue, options: KvCallOptions): Promise<CasResult> {
    const k = encoder.encode(key);
    const seq = this.nextSeq++;
    const res = await this.call<CompareAndSwapResponse__Output>(
      'CompareAndSwap',
      k,
      seq,
      (header) => ({ header, key: k, expectedValue: expected === null ? undefined : encodeValue(expected), newValue: encodeValue(next), deleteOnMatch: false }),
      options.signal,
    );
    this.observe('write', undefined, res.header, seq, new Map(), new Map());
    await this.maybeSessionRead(key, options.signal);
    if (res.succeeded) return { swapped: true };
    return { swapped: false, current: res.found ? decodeValue(res.currentValue) : null };
  }

  async delete(key: string, options: KvCallOptions): Promise<void> {
    const k = encoder.encode(key);
    const seq = this.nextSeq++;
    const res = await this.call<DeleteResponse__Output>('Delete', k, seq, (header) => ({ header, key: k }), options.signal);
    this.observe('write', undefined, res.header, seq, new Map(), new Map());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private observe(kind: 'read' | 'write', consistency: ReadConsistency | undefined, header: ResponseHeader__Output | null, seq: number, floor: ReadonlyMap<number, number>, ownToken: SessionToken): void {
    if (header === null) return;
    const rangeId = Number(header.rangeId);
    const token = decodeSessionToken(header.sessionToken);
    this.token = mergeSessionTokens(this.token, token);
    const index = token.get(rangeId);
    if (rangeId === 0 || index === undefined) return;
    this.sink.observe({ kind, consistency, rangeId, index, clientId: this.clientId, seq, floor, ownToken, servedBy: Number(header.storeId) });
  }

  /**
   * Attempts until an answer, a definite refusal, or the harness aborts (op timeout). A write that
   * may have been applied by an earlier attempt never ends in a definite failure.
   */
  private async call<Res>(method: string, key: Uint8Array, seq: number | undefined, build: (header: RequestHeader) => unknown, signal: AbortSignal, sessionRead = false): Promise<Res> {
    const write = seq !== undefined;
    let ambiguous = false;
    let last: NodeKvError | undefined;
    const proc = this.proc;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted || !proc.alive) {
        const why = `${method} gave up after ${attempt} attempts${last === undefined ? '' : ` (last: ${last.code}: ${last.message})`}`;
        throw write && ambiguous ? kvUnknown('TIMEOUT', why) : kvFailed('UNAVAILABLE', why);
      }
      const store = this.pickStore();
      const header: RequestHeader = {
        // Only a session read needs the token. Sent with anything else it would be merged into the
        // answer's token and hide the index the call was really served at from the invariants.
        sessionToken: sessionRead ? encodeSessionToken(this.token) : new Uint8Array(0),
        ...(write ? { clientId: this.clientId, seq: String(seq), firstIncompleteSeq: String(seq) } : {}),
        ...this.maybeRoute(key),
      };
      const now = this.world.scheduler.nowMs;
      try {
        // A duplicated request may still arrive after any answer: the outcome can no longer be "not applied".
        const answer = this.world.callStore<Res>({ id: this.proc.id, owner: this.proc }, store, 'kv', method, build(header), now + this.options.attemptTimeoutMs, {
          onDuplicate: () => (ambiguous = true),
        });
        return await raceAbort(answer, signal);
      } catch (e) {
        if (e === abortedMarker) {
          // Abandoned in flight: it may still be applied.
          ambiguous = true;
          continue;
        }
        if (!(e instanceof NodeKvError)) throw e;
        last = e;
        if (e.transportFailure || e.code === 'OUTCOME_UNKNOWN') ambiguous = true;
        if (e.code === 'EPOCH_MISMATCH' && e.detail.range !== undefined) this.routes.set(e.detail.range.rangeId, fromWire(e.detail.range));
        if (!retryable(e)) {
          if (write && ambiguous) throw kvUnknown('OUTCOME_UNKNOWN', `${method}: ${e.code} after an ambiguous attempt: ${e.message}`);
          throw kvFailed(e.code === 'INVALID_ARGUMENT' ? 'INVALID_ARGUMENT' : 'REJECTED', `${method}: ${e.code}: ${e.message}`);
        }
        await this.sleep(Math.min(5 + 10 * attempt, 200) * (0.5 + this.rng.float()), signal).catch(() => undefined);
      }
    }
  }

  private pickStore(): StoreId {
    const ids = this.world.storeIds;
    return storeId(this.rng.pick(ids));
  }

  private maybeRoute(key: Uint8Array): Pick<RequestHeader, 'route'> {
    if (!this.rng.chance(this.options.routeChance)) return {};
    let d: RangeDescriptor | undefined;
    for (const r of this.routes.values()) if (rangeContainsKey(r, key)) d = r;
    if (d === undefined) {
      const initial = this.world.options.cluster.initialRanges.find((r) => rangeContainsKey(r, key));
      if (initial === undefined) return {};
      d = { rangeId: initial.rangeId, start: initial.start, end: initial.end, epoch: { confVersion: 1, version: 1 }, replicas: [], nextReplicaId: 1 };
    }
    const stale = this.rng.chance(this.options.staleRouteChance);
    return { route: { rangeId: String(d.rangeId), epoch: { confVersion: String(d.epoch.confVersion), version: String(stale ? d.epoch.version + 1 : d.epoch.version) } } };
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new Error('aborted'));
        return;
      }
      this.world.scheduler.after(ms, this.proc, resolve);
    });
  }
}

/** What raceAbort rejects with when the signal fired first. */
export const abortedMarker = Symbol('aborted');

/** The answer, unless the signal fires first (then `abortedMarker` is thrown and the call left behind). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedMarker);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedMarker);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
