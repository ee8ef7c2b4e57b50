import * as grpc from '@grpc/grpc-js';
import type { BatchGetRequest } from '../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse__Output } from '../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapRequest } from '../proto/generated/rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse__Output } from '../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest } from '../proto/generated/rangekv/v1/DeleteRequest.js';
import type { DeleteResponse__Output } from '../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetRequest } from '../proto/generated/rangekv/v1/GetRequest.js';
import type { GetResponse__Output } from '../proto/generated/rangekv/v1/GetResponse.js';
import type { KVClient } from '../proto/generated/rangekv/v1/KV.js';
import type { LocateRequest } from '../proto/generated/rangekv/v1/LocateRequest.js';
import type { LocateResponse__Output } from '../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutRequest } from '../proto/generated/rangekv/v1/PutRequest.js';
import type { PutResponse__Output } from '../proto/generated/rangekv/v1/PutResponse.js';
import type { ScanRequest } from '../proto/generated/rangekv/v1/ScanRequest.js';
import type { ScanResponse__Output } from '../proto/generated/rangekv/v1/ScanResponse.js';
import { KvError, kvErrorFromStatusDetails } from '../proto/kv-error.js';
import type { Cancellation } from './cancellation.js';

/** One KV method as a plain function of (stub, request, options, callback). */
export type UnaryMethod<Req, Res> = (stub: KVClient, request: Req, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

export const kvMethods = {
  get: ((s, r, o, cb) => s.Get(r, o, cb)) as UnaryMethod<GetRequest, GetResponse__Output>,
  batchGet: ((s, r, o, cb) => s.BatchGet(r, o, cb)) as UnaryMethod<BatchGetRequest, BatchGetResponse__Output>,
  put: ((s, r, o, cb) => s.Put(r, o, cb)) as UnaryMethod<PutRequest, PutResponse__Output>,
  delete: ((s, r, o, cb) => s.Delete(r, o, cb)) as UnaryMethod<DeleteRequest, DeleteResponse__Output>,
  scan: ((s, r, o, cb) => s.Scan(r, o, cb)) as UnaryMethod<ScanRequest, ScanResponse__Output>,
  compareAndSwap: ((s, r, o, cb) => s.CompareAndSwap(r, o, cb)) as UnaryMethod<CompareAndSwapRequest, CompareAndSwapResponse__Output>,
  locate: ((s, r, o, cb) => s.Locate(r, o, cb)) as UnaryMethod<LocateRequest, LocateResponse__Output>,
} as const;

/**
 * How one attempt failed, which decides what a retry may assume:
 * - unreachable: no connection could be made, so the request was never sent (certainly no effect);
 * - lost: it was sent on a live connection but no answer came (connection dropped, attempt timed
 *   out, cancelled): a write may or may not have taken effect;
 * - rejected: the server answered with a typed error (KvError; its code says what it means).
 */
export type AttemptFailure =
  | { readonly kind: 'unreachable'; readonly address: string; readonly message: string }
  | { readonly kind: 'lost'; readonly address: string; readonly error: KvError; readonly timedOut: boolean }
  | { readonly kind: 'rejected'; readonly address: string; readonly error: KvError };

export type AttemptResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AttemptFailure };

export interface AttemptDeadlines {
  /** Wall-clock (Date.now) time by which a connection must be ready. */
  readonly connectByWallMs: number;
  /** Wall-clock time the call is given up at (sent to the server as the gRPC deadline). */
  readonly answerByWallMs: number;
  /** The call's cancellation: an attempt in flight is cancelled when it fires. */
  readonly cancellation: Cancellation | undefined;
}

/**
 * Sends one request once. The request goes out only on a READY connection, so that a failure to
 * connect is known to have sent nothing (`unreachable`); anything that goes wrong after that without
 * a typed answer from the server is `lost`.
 */
export async function attemptUnary<Req, Res>(stub: KVClient, address: string, method: UnaryMethod<Req, Res>, request: Req, d: AttemptDeadlines): Promise<AttemptResult<Res>> {
  const connectFailure = await waitUntilReady(stub, d.connectByWallMs, d.cancellation);
  if (connectFailure !== undefined) return { ok: false, failure: { kind: 'unreachable', address, message: connectFailure } };
  return new Promise((resolve) => {
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    const call = method(stub, request, { deadline: d.answerByWallMs }, (err, value) => {
      if (settled) return;
      settled = true;
      unsubscribe?.();
      if (err === null && value !== undefined) resolve({ ok: true, value });
      else if (err === null) resolve({ ok: false, failure: { kind: 'lost', address, error: new KvError('INTERNAL', 'empty answer'), timedOut: false } });
      else resolve({ ok: false, failure: classifyServiceError(err, address) });
    });
    // Subscribed after the call exists; an already cancelled call is cancelled at once.
    if (!settled && d.cancellation !== undefined) unsubscribe = d.cancellation.onAbort(() => call.cancel());
  });
}

export function classifyServiceError(e: grpc.ServiceError, address: string): AttemptFailure {
  const typed = kvErrorFromStatusDetails(e);
  if (typed !== undefined) return { kind: 'rejected', address, error: typed };
  switch (e.code) {
    case grpc.status.UNIMPLEMENTED:
      return { kind: 'rejected', address, error: new KvError('INTERNAL', `${address} does not serve this method: ${e.details}`) };
    case grpc.status.RESOURCE_EXHAUSTED:
      // Without our detail this is gRPC's message size limit, which no retry gets past.
      return { kind: 'rejected', address, error: new KvError('INVALID_ARGUMENT', `message too large: ${e.details}`) };
    case grpc.status.DEADLINE_EXCEEDED:
      return { kind: 'lost', address, error: new KvError('DEADLINE_EXCEEDED', `no answer from ${address} in time`), timedOut: true };
    default:
      return { kind: 'lost', address, error: new KvError('UNAVAILABLE', `${address}: ${grpc.status[e.code] ?? e.code}: ${e.details}`), timedOut: false };
  }
}

/** Undefined once the channel is READY; otherwise why it will not be in time. */
function waitUntilReady(stub: KVClient, byWallMs: number, cancellation: Cancellation | undefined): Promise<string | undefined> {
  const channel = stub.getChannel();
  // The common case — a connection already up, nothing cancelled — costs no promise machinery beyond one.
  if (cancellation?.aborted !== true) {
    try {
      if (channel.getConnectivityState(true) === grpc.connectivityState.READY) return Promise.resolve(undefined);
    } catch {
      return Promise.resolve('channel closed');
    }
  }
  return new Promise((resolveOnce) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    const resolve = (why: string | undefined): void => {
      if (done) return;
      done = true;
      unsubscribe?.();
      resolveOnce(why);
    };
    unsubscribe = cancellation?.onAbort(() => resolve('aborted by the caller'));
    if (done) return;
    const check = (): void => {
      if (cancellation?.aborted === true) return resolve('aborted by the caller');
      let state: grpc.connectivityState;
      try {
        state = channel.getConnectivityState(true);
      } catch {
        return resolve('channel closed');
      }
      switch (state) {
        case grpc.connectivityState.READY:
          return resolve(undefined);
        case grpc.connectivityState.TRANSIENT_FAILURE:
          return resolve('connection failed');
        case grpc.connectivityState.SHUTDOWN:
          return resolve('channel closed');
        case grpc.connectivityState.IDLE:
        case grpc.connectivityState.CONNECTING:
          if (Date.now() >= byWallMs) return resolve('connect timed out');
          try {
            channel.watchConnectivityState(state, byWallMs, (err) => (err === undefined ? check() : resolve('connect timed out')));
          } catch {
            resolve('channel closed');
          }
          return;
      }
    };
    check();
  });
}
