import * as grpc from '@grpc/grpc-js';
import type { HelloRequest__Output } from '../../proto/generated/rangekv/internal/v1/HelloRequest.js';
import type { HelloResponse } from '../../proto/generated/rangekv/internal/v1/HelloResponse.js';
import type { InternalHandlers } from '../../proto/generated/rangekv/internal/v1/Internal.js';
import type { RaftBatch__Output } from '../../proto/generated/rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply } from '../../proto/generated/rangekv/internal/v1/RaftBatchReply.js';
import type { RangeInfoRequest__Output } from '../../proto/generated/rangekv/internal/v1/RangeInfoRequest.js';
import type { RangeInfoResponse } from '../../proto/generated/rangekv/internal/v1/RangeInfoResponse.js';
import type { SnapshotChunk__Output } from '../../proto/generated/rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult } from '../../proto/generated/rangekv/internal/v1/SnapshotResult.js';
import { KvError, toServiceError } from '../../proto/kv-error.js';
import type { PeerCertificate } from 'node:tls';
import { internalRefusal, type AccessPolicy } from './security/access-policy.js';
import type { InternalApi } from '../transport/internal-api.js';
import { callerIdentity } from './network-security.js';
import { isMalformed, type MalformedRequest } from './request-decoding.js';

/**
 * Who may use the Internal service: node certificates only, each batch and snapshot claiming a
 * store its certificate names. A refusal is counted and logged (at a bounded rate) by `refused`.
 */
export interface InternalGate {
  readonly policy: AccessPolicy;
  refused(error: KvError, details: Record<string, unknown>): void;
}

/** The Internal service's gRPC binding: streams and unary calls onto the transport-neutral InternalApi. */
export function internalHandlers(api: InternalApi, gate: InternalGate): InternalHandlers {
  const check = (call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null; getPeer(): string }, claimedStore?: number): KvError | undefined => {
    const refusal = internalRefusal(gate.policy, callerIdentity(call), claimedStore);
    if (refusal !== undefined) gate.refused(refusal, { peer: call.getPeer(), claimedStore });
    return refusal;
  };
  return {
    Raft: (call: grpc.ServerDuplexStream<RaftBatch__Output, RaftBatchReply>) => {
      call.on('data', (batch: RaftBatch__Output | MalformedRequest) => {
        if (isMalformed(batch)) {
          call.write({ errorCode: 'MALFORMED', message: batch.reason });
          call.end();
          return;
        }
        const refusal = check(call, Number(batch.fromStoreId));
        if (refusal !== undefined) {
          call.write({ errorCode: refusal.code, message: refusal.message });
          call.end();
          return;
        }
        const verdict = api.raftBatch(batch);
        if (verdict.accepted) return;
        call.write(verdict.reply);
        if (verdict.endStream) call.end();
      });
      call.on('error', () => {
        // The peer went away; it reconnects on its own.
      });
      call.on('end', () => call.end());
    },
    Snapshot: (call: grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotResult>, callback: grpc.sendUnaryData<SnapshotResult>) => {
      const refusal = check(call);
      if (refusal !== undefined) {
        callback(null, { applied: false, errorCode: refusal.code, message: refusal.message });
        return;
      }
      const messages = claimChecked(call[Symbol.asyncIterator]() as AsyncIterator<SnapshotChunk__Output>, (store) => check(call, store));
      api.snapshot(messages).then(
        (r) => callback(null, r),
        (e: unknown) => callback(null, e instanceof KvError ? { applied: false, errorCode: e.code, message: e.message } : { applied: false, errorCode: 'INTERNAL', message: String(e) }),
      );
    },
    Hello: (call: grpc.ServerUnaryCall<HelloRequest__Output, HelloResponse>, callback: grpc.sendUnaryData<HelloResponse>) => {
      unaryCall(() => api.hello(call.request), callback, check(call) ?? malformed(call.request));
    },
    RangeInfo: (call: grpc.ServerUnaryCall<RangeInfoRequest__Output, RangeInfoResponse>, callback: grpc.sendUnaryData<RangeInfoResponse>) => {
      unaryCall(() => api.rangeInfo(call.request), callback, check(call) ?? malformed(call.request));
    },
  };
}

/** The snapshot stream with its header's sender checked against the certificate first. */
async function* claimCheckedGen(messages: AsyncIterator<SnapshotChunk__Output>, check: (store: number) => KvError | undefined): AsyncGenerator<SnapshotChunk__Output, undefined> {
  const first = await messages.next();
  if (first.done === true) return undefined;
  if (isMalformed(first.value)) throw (first.value as MalformedRequest).toError();
  const header = first.value.header;
  if (header !== null) {
    const refusal = check(Number(header.fromStoreId));
    if (refusal !== undefined) throw refusal;
  }
  yield first.value;
  for (;;) {
    const next = await messages.next();
    if (next.done === true) return undefined;
    if (isMalformed(next.value)) throw (next.value as MalformedRequest).toError();
    yield next.value;
  }
}

function claimChecked(messages: AsyncIterator<SnapshotChunk__Output>, check: (store: number) => KvError | undefined): AsyncIterator<SnapshotChunk__Output> {
  return claimCheckedGen(messages, check);
}

function malformed(request: unknown): KvError | undefined {
  return isMalformed(request) ? request.toError() : undefined;
}

function unaryCall<Res>(fn: () => Res, callback: grpc.sendUnaryData<Res>, refusal?: KvError): void {
  if (refusal !== undefined) {
    callback(toServiceError(refusal));
    return;
  }
  let res: Res;
  try {
    res = fn();
  } catch (e) {
    callback(toServiceError(e instanceof KvError ? e : new KvError('INTERNAL', String(e))));
    return;
  }
  callback(null, res);
}
