import type { RequestHeader__Output } from '../../proto/generated/rangekv/v1/RequestHeader.js';
import { KvError, isKvError } from '../../proto/kv-error.js';
import { rangeContainsKey, toWire, type StoreId } from '../../proto/range-descriptor.js';
import type { RangeLocationInfo } from '../gateway/gateway.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import { sleep } from '../ports/timers.js';
import type { ReadMode } from '../replica/replica.js';
import type { Consistency, Header } from './request-header.js';
import type { KvNode } from './kv-node.js';

/**
 * Routing retries until the request's deadline: a caller that gave the node 5 s expects it to wait
 * out an election, not to give up after a fixed number of tries (12 tries once ended in NOT_LEADER
 * within 0.6 s of a 3 s deadline while no leader was known). The bound only stops a loop whose
 * pauses were made tiny (a peer's retryAfterMs) from spinning.
 */
const forwardAttemptsMax = 256;
/** Pauses between attempts: at least this (whatever a peer suggests), growing to at most that. */
const retryPauseMinMs = 10;
const retryPauseMaxMs = 250;
/** OUTCOME_UNKNOWN is asked again only within the first tries (the old bound). */
const outcomeUnknownRetriesMax = 12;

/** The local replica a routed request names, after checking the route is current. */
export function routedReplica(node: KvNode, h: Header, key: Uint8Array | undefined): ServedRange | undefined {
  const route = h.route;
  if (route === undefined) return undefined;
  const r = node.localRange(route.rangeId);
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

export interface RouteSpec<T> {
  readonly key: Uint8Array;
  readonly needsLeader: boolean;
  /** Whether a forwarded call that fails ambiguously may be retried (reads; writes with a session). */
  readonly idempotent: boolean;
  /** Reads may end with any error; only writes care whether an attempt may have been applied. */
  readonly readOnly: boolean;
  readonly local: (r: ServedRange) => Promise<T>;
  readonly remote: (store: StoreId, info: RangeLocationInfo) => Promise<T>;
}

/**
 * Runs a request on the replica that should serve it: locally when this store holds a suitable
 * replica, otherwise forwarded (with a route) to the store that does, retrying on stale routing
 * within the deadline.
 */
export async function routeRequest<T>(node: KvNode, h: Header, spec: RouteSpec<T>): Promise<T> {
  const { key, needsLeader, idempotent, readOnly } = spec;
  const routed = routedReplica(node, h, key);
  if (routed !== undefined) return spec.local(routed);
  let lastError: KvError | undefined;
  /** Set once the local replica answered NOT_LEADER: ask the others instead. */
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
    if (node.clock.monotonicMs() >= h.deadlineAtMs) break;
    const info = node.gateway.locate(key);
    if (info === undefined) throw new KvError('UNAVAILABLE', 'no range known for the key');
    const localReplica = node.localRange(info.descriptor.rangeId);
    let target: StoreId | undefined;
    // A local leader always serves: it may have been elected since it sent us elsewhere (avoidSelf
    // once stuck, and a leader bounced its own write between followers until it failed).
    if (localReplica !== undefined && (localReplica.isLeader() || (!avoidSelf && (!needsLeader || info.leader === undefined)))) target = node.storeId;
    else {
      const others = info.descriptor.replicas.filter((r) => r.storeId !== node.storeId);
      target = (info.leader !== node.storeId ? info.leader : undefined) ?? others[attempt % Math.max(1, others.length)]?.storeId;
    }
    if (target === undefined) break;
    try {
      if (target === node.storeId && localReplica !== undefined) return await spec.local(localReplica);
      const answer = await spec.remote(target, info);
      if (node.faults.enabled && node.faults.fire('gateway.lostAnswer')) {
        const lost = new KvError('UNAVAILABLE', `store ${target}'s answer was lost`);
        lost.transportFailure = true;
        throw lost;
      }
      return answer;
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
        // skips the first attempt should it commit after the retry: safe to ask again — a few
        // times only, as a forgotten seq answers OUTCOME_UNKNOWN every time (asking until the
        // deadline turned it into the caller's DEADLINE_EXCEEDED).
        (e.code === 'OUTCOME_UNKNOWN' && idempotent && attempt < outcomeUnknownRetriesMax);
      if (!retry) throw finalError(e);
      // The local replica cannot serve it (no leader known, or — for a session read — it is behind
      // the token and sends the reader to the leader): ask the others instead. Not when it names
      // itself (a leader transfer in progress): the others would only point back here.
      if (e.code === 'NOT_LEADER' && target === node.storeId && e.detail.leaderStoreId !== node.storeId) avoidSelf = true;
      const pauseMs = Math.min(retryPauseMaxMs, Math.max(retryPauseMinMs, e.detail.retryAfterMs ?? 20 * (attempt + 1)));
      await sleep(node.timers, Math.min(pauseMs, Math.max(0, h.deadlineAtMs - node.clock.monotonicMs())));
    }
  }
  throw finalError(lastError ?? new KvError('DEADLINE_EXCEEDED', 'deadline passed while routing the request'));
}

/** The forwarded request: the same request with a route to the target range and epoch. */
export function withRoute<Req extends { header?: RequestHeader__Output | null }>(req: Req, h: Header, info: RangeLocationInfo): Req {
  const base = h.raw ?? { sessionToken: new Uint8Array(0), clientId: new Uint8Array(0), seq: '0', firstIncompleteSeq: '0', route: null };
  const d = info.descriptor;
  return {
    ...req,
    header: { ...base, route: { rangeId: String(d.rangeId), epoch: { confVersion: String(d.epoch.confVersion), version: String(d.epoch.version) } } },
  };
}

/** How a local read of `consistency` waits. */
export function readMode(node: KvNode, r: ServedRange, consistency: Consistency, h: Header): ReadMode {
  if (node.staleReads) return { kind: 'unsafeLocal' };
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

export function localRead<T>(node: KvNode, r: ServedRange, consistency: Consistency, h: Header, execute: (appliedIndex: number) => T): Promise<T> {
  return node.read(r, readMode(node, r, consistency, h), h.deadlineAtMs, execute);
}
