// Original file: rangekv/internal/v1/internal.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HelloRequest as _rangekv_internal_v1_HelloRequest, HelloRequest__Output as _rangekv_internal_v1_HelloRequest__Output } from '../../../rangekv/internal/v1/HelloRequest.js';
import type { HelloResponse as _rangekv_internal_v1_HelloResponse, HelloResponse__Output as _rangekv_internal_v1_HelloResponse__Output } from '../../../rangekv/internal/v1/HelloResponse.js';
import type { RaftBatch as _rangekv_internal_v1_RaftBatch, RaftBatch__Output as _rangekv_internal_v1_RaftBatch__Output } from '../../../rangekv/internal/v1/RaftBatch.js';
import type { RaftBatchReply as _rangekv_internal_v1_RaftBatchReply, RaftBatchReply__Output as _rangekv_internal_v1_RaftBatchReply__Output } from '../../../rangekv/internal/v1/RaftBatchReply.js';
import type { RangeInfoRequest as _rangekv_internal_v1_RangeInfoRequest, RangeInfoRequest__Output as _rangekv_internal_v1_RangeInfoRequest__Output } from '../../../rangekv/internal/v1/RangeInfoRequest.js';
import type { RangeInfoResponse as _rangekv_internal_v1_RangeInfoResponse, RangeInfoResponse__Output as _rangekv_internal_v1_RangeInfoResponse__Output } from '../../../rangekv/internal/v1/RangeInfoResponse.js';
import type { SnapshotChunk as _rangekv_internal_v1_SnapshotChunk, SnapshotChunk__Output as _rangekv_internal_v1_SnapshotChunk__Output } from '../../../rangekv/internal/v1/SnapshotChunk.js';
import type { SnapshotResult as _rangekv_internal_v1_SnapshotResult, SnapshotResult__Output as _rangekv_internal_v1_SnapshotResult__Output } from '../../../rangekv/internal/v1/SnapshotResult.js';

export interface InternalClient extends grpc.Client {
  Hello(argument: _rangekv_internal_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _rangekv_internal_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _rangekv_internal_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _rangekv_internal_v1_HelloRequest, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _rangekv_internal_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _rangekv_internal_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _rangekv_internal_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _rangekv_internal_v1_HelloRequest, callback: grpc.requestCallback<_rangekv_internal_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  
  Raft(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatchReply__Output>;
  Raft(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatchReply__Output>;
  raft(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatchReply__Output>;
  raft(options?: grpc.CallOptions): grpc.ClientDuplexStream<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatchReply__Output>;
  
  RangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  RangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  RangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  RangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  rangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  rangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  rangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  rangeInfo(argument: _rangekv_internal_v1_RangeInfoRequest, callback: grpc.requestCallback<_rangekv_internal_v1_RangeInfoResponse__Output>): grpc.ClientUnaryCall;
  
  Snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  Snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  Snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  Snapshot(callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  snapshot(callback: grpc.requestCallback<_rangekv_internal_v1_SnapshotResult__Output>): grpc.ClientWritableStream<_rangekv_internal_v1_SnapshotChunk>;
  
}

export interface InternalHandlers extends grpc.UntypedServiceImplementation {
  Hello: grpc.handleUnaryCall<_rangekv_internal_v1_HelloRequest__Output, _rangekv_internal_v1_HelloResponse>;
  
  Raft: grpc.handleBidiStreamingCall<_rangekv_internal_v1_RaftBatch__Output, _rangekv_internal_v1_RaftBatchReply>;
  
  RangeInfo: grpc.handleUnaryCall<_rangekv_internal_v1_RangeInfoRequest__Output, _rangekv_internal_v1_RangeInfoResponse>;
  
  Snapshot: grpc.handleClientStreamingCall<_rangekv_internal_v1_SnapshotChunk__Output, _rangekv_internal_v1_SnapshotResult>;
  
}

export interface InternalDefinition extends grpc.ServiceDefinition {
  Hello: MethodDefinition<_rangekv_internal_v1_HelloRequest, _rangekv_internal_v1_HelloResponse, _rangekv_internal_v1_HelloRequest__Output, _rangekv_internal_v1_HelloResponse__Output>
  Raft: MethodDefinition<_rangekv_internal_v1_RaftBatch, _rangekv_internal_v1_RaftBatchReply, _rangekv_internal_v1_RaftBatch__Output, _rangekv_internal_v1_RaftBatchReply__Output>
  RangeInfo: MethodDefinition<_rangekv_internal_v1_RangeInfoRequest, _rangekv_internal_v1_RangeInfoResponse, _rangekv_internal_v1_RangeInfoRequest__Output, _rangekv_internal_v1_RangeInfoResponse__Output>
  Snapshot: MethodDefinition<_rangekv_internal_v1_SnapshotChunk, _rangekv_internal_v1_SnapshotResult, _rangekv_internal_v1_SnapshotChunk__Output, _rangekv_internal_v1_SnapshotResult__Output>
}
