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
import type { InternalApi } from '../transport/internal-api.js';

/** The Internal service's gRPC binding: streams and unary calls onto the transport-neutral InternalApi. */
export function internalHandlers(api: InternalApi): InternalHandlers {
  return {
    Raft: (call: grpc.ServerDuplexStream<RaftBatch__Output, RaftBatchReply>) => {
      call.on('data', (batch: RaftBatch__Output) => {
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
      const messages = call[Symbol.asyncIterator]() as AsyncIterator<SnapshotChunk__Output>;
      api.snapshot(messages).then(
        (r) => callback(null, r),
        (e: unknown) => callback(null, { applied: false, errorCode: 'INTERNAL', message: String(e) }),
      );
    },
    Hello: (call: grpc.ServerUnaryCall<HelloRequest__Output, HelloResponse>, callback: grpc.sendUnaryData<HelloResponse>) => {
      unaryCall(() => api.hello(call.request), callback);
    },
    RangeInfo: (call: grpc.ServerUnaryCall<RangeInfoRequest__Output, RangeInfoResponse>, callback: grpc.sendUnaryData<RangeInfoResponse>) => {
      unaryCall(() => api.rangeInfo(call.request), callback);
    },
  };
}

function unaryCall<Res>(fn: () => Res, callback: grpc.sendUnaryData<Res>): void {
  let res: Res;
  try {
    res = fn();
  } catch (e) {
    callback(toServiceError(e instanceof KvError ? e : new KvError('INTERNAL', String(e))));
    return;
  }
  callback(null, res);
}
