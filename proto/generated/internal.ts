import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { HelloRequest as _rangekv_internal_v1_HelloRequest, HelloRequest__Output as _rangekv_internal_v1_HelloRequest__Output } from './rangekv/internal/v1/HelloRequest.js';
import type { HelloResponse as _rangekv_internal_v1_HelloResponse, HelloResponse__Output as _rangekv_internal_v1_HelloResponse__Output } from './rangekv/internal/v1/HelloResponse.js';
import type { InternalClient as _rangekv_internal_v1_InternalClient, InternalDefinition as _rangekv_internal_v1_InternalDefinition } from './rangekv/internal/v1/Internal.js';
import type { RaftBatch as _rangekv_internal_v1_RaftBatch, RaftBatch__Output as _rangekv_internal_v1_RaftBatch__Output } from './rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply as _rangekv_internal_v1_RaftBatchReply, RaftBatchReply__Output as _rangekv_internal_v1_RaftBatchReply__Output } from './rangekv/internal/v1/RaftBatchReply.js';
import type { RangeInfoRequest as _rangekv_internal_v1_RangeInfoRequest, RangeInfoRequest__Output as _rangekv_internal_v1_RangeInfoRequest__Output } from './rangekv/internal/v1/RangeInfoRequest.js';
import type { RangeInfoResponse as _rangekv_internal_v1_RangeInfoResponse, RangeInfoResponse__Output as _rangekv_internal_v1_RangeInfoResponse__Output } from './rangekv/internal/v1/RangeInfoResponse.js';
import type { SnapshotChunk as _rangekv_internal_v1_SnapshotChunk, SnapshotChunk__Output as _rangekv_internal_v1_SnapshotChunk__Output } from './rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotHeader as _rangekv_internal_v1_SnapshotHeader, SnapshotHeader__Output as _rangekv_internal_v1_SnapshotHeader__Output } from './rangekv/internal/v1/SnapshotHeader.js';
import type { SnapshotResult as _rangekv_internal_v1_SnapshotResult, SnapshotResult__Output as _rangekv_internal_v1_SnapshotResult__Output } from './rangekv/internal/v1/SnapshotResult.js';

type SubtypeConstructor<Constructor extends new (...args: never[]) => unknown, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rangekv: {
    internal: {
      v1: {
        HelloRequest: MessageTypeDefinition<_rangekv_internal_v1_HelloRequest, _rangekv_internal_v1_HelloRequest__Output>
        HelloResponse: MessageTypeDefinition<_rangekv_internal_v1_HelloResponse, _rangekv_internal_v1_HelloResponse__Output>
        Internal: SubtypeConstructor<typeof grpc.Client, _rangekv_internal_v1_InternalClient> & { service: _rangekv_internal_v1_InternalDefinition }
        RaftBatch: MessageTypeDefinition<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatch__Output>
        RaftBatchReply: MessageTypeDefinition<_rangekv_internal_v1_RaftBatchReply, _rangekv_internal_v1_RaftBatchReply__Output>
        RangeInfoRequest: MessageTypeDefinition<_rangekv_internal_v1_RangeInfoRequest, _rangekv_internal_v1_RangeInfoRequest__Output>
        RangeInfoResponse: MessageTypeDefinition<_rangekv_internal_v1_RangeInfoResponse, _rangekv_internal_v1_RangeInfoResponse__Output>
        SnapshotChunk: MessageTypeDefinition<_rangekv_internal_v1_SnapshotChunk, _rangekv_internal_v1_SnapshotChunk__Output>
        SnapshotHeader: MessageTypeDefinition<_rangekv_internal_v1_SnapshotHeader, _rangekv_internal_v1_SnapshotHeader__Output>
        SnapshotResult: MessageTypeDefinition<_rangekv_internal_v1_SnapshotResult, _rangekv_internal_v1_SnapshotResult__Output>
      }
    }
  }
}

