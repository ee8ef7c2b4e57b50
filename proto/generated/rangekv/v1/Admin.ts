// Original file: rangekv/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ChangeReplicasRequest as _rangekv_v1_ChangeReplicasRequest, ChangeReplicasRequest__Output as _rangekv_v1_ChangeReplicasRequest__Output } from '../../rangekv/v1/ChangeReplicasRequest.js';
import type { ChangeReplicasResponse as _rangekv_v1_ChangeReplicasResponse, ChangeReplicasResponse__Output as _rangekv_v1_ChangeReplicasResponse__Output } from '../../rangekv/v1/ChangeReplicasResponse.js';
import type { StatusRequest as _rangekv_v1_StatusRequest, StatusRequest__Output as _rangekv_v1_StatusRequest__Output } from '../../rangekv/v1/StatusRequest.js';
import type { StatusResponse as _rangekv_v1_StatusResponse, StatusResponse__Output as _rangekv_v1_StatusResponse__Output } from '../../rangekv/v1/StatusResponse.js';
import type { TransferLeaderRequest as _rangekv_v1_TransferLeaderRequest, TransferLeaderRequest__Output as _rangekv_v1_TransferLeaderRequest__Output } from '../../rangekv/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse as _rangekv_v1_TransferLeaderResponse, TransferLeaderResponse__Output as _rangekv_v1_TransferLeaderResponse__Output } from '../../rangekv/v1/TransferLeaderResponse.js';

export interface AdminClient extends grpc.Client {
  ChangeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  ChangeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  ChangeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  ChangeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  changeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  changeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  changeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  changeReplicas(argument: _rangekv_v1_ChangeReplicasRequest, callback: grpc.requestCallback<_rangekv_v1_ChangeReplicasResponse__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _rangekv_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rangekv_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rangekv_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _rangekv_v1_StatusRequest, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rangekv_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rangekv_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rangekv_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _rangekv_v1_StatusRequest, callback: grpc.requestCallback<_rangekv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeader(argument: _rangekv_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _rangekv_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _rangekv_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _rangekv_v1_TransferLeaderRequest, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _rangekv_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _rangekv_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _rangekv_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _rangekv_v1_TransferLeaderRequest, callback: grpc.requestCallback<_rangekv_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  ChangeReplicas: grpc.handleUnaryCall<_rangekv_v1_ChangeReplicasRequest__Output, _rangekv_v1_ChangeReplicasResponse>;
  
  Status: grpc.handleUnaryCall<_rangekv_v1_StatusRequest__Output, _rangekv_v1_StatusResponse>;
  
  TransferLeader: grpc.handleUnaryCall<_rangekv_v1_TransferLeaderRequest__Output, _rangekv_v1_TransferLeaderResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  ChangeReplicas: MethodDefinition<_rangekv_v1_ChangeReplicasRequest, _rangekv_v1_ChangeReplicasResponse, _rangekv_v1_ChangeReplicasRequest__Output, _rangekv_v1_ChangeReplicasResponse__Output>
  Status: MethodDefinition<_rangekv_v1_StatusRequest, _rangekv_v1_StatusResponse, _rangekv_v1_StatusRequest__Output, _rangekv_v1_StatusResponse__Output>
  TransferLeader: MethodDefinition<_rangekv_v1_TransferLeaderRequest, _rangekv_v1_TransferLeaderResponse, _rangekv_v1_TransferLeaderRequest__Output, _rangekv_v1_TransferLeaderResponse__Output>
}
