import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BatchGetRequest as _rangekv_v1_BatchGetRequest, BatchGetRequest__Output as _rangekv_v1_BatchGetRequest__Output } from './rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse as _rangekv_v1_BatchGetResponse, BatchGetResponse__Output as _rangekv_v1_BatchGetResponse__Output } from './rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapRequest as _rangekv_v1_CompareAndSwapRequest, CompareAndSwapRequest__Output as _rangekv_v1_CompareAndSwapRequest__Output } from './rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse as _rangekv_v1_CompareAndSwapResponse, CompareAndSwapResponse__Output as _rangekv_v1_CompareAndSwapResponse__Output } from './rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest as _rangekv_v1_DeleteRequest, DeleteRequest__Output as _rangekv_v1_DeleteRequest__Output } from './rangekv/v1/DeleteRequest.js';
import type { DeleteResponse as _rangekv_v1_DeleteResponse, DeleteResponse__Output as _rangekv_v1_DeleteResponse__Output } from './rangekv/v1/DeleteResponse.js';
import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from './rangekv/v1/Epoch.js';
import type { ErrorDetail as _rangekv_v1_ErrorDetail, ErrorDetail__Output as _rangekv_v1_ErrorDetail__Output } from './rangekv/v1/ErrorDetail.js';
import type { GetRequest as _rangekv_v1_GetRequest, GetRequest__Output as _rangekv_v1_GetRequest__Output } from './rangekv/v1/GetRequest.js';
import type { GetResponse as _rangekv_v1_GetResponse, GetResponse__Output as _rangekv_v1_GetResponse__Output } from './rangekv/v1/GetResponse.js';
import type { KVClient as _rangekv_v1_KVClient, KVDefinition as _rangekv_v1_KVDefinition } from './rangekv/v1/KV.js';
import type { KeyValue as _rangekv_v1_KeyValue, KeyValue__Output as _rangekv_v1_KeyValue__Output } from './rangekv/v1/KeyValue.js';
import type { LocateRequest as _rangekv_v1_LocateRequest, LocateRequest__Output as _rangekv_v1_LocateRequest__Output } from './rangekv/v1/LocateRequest.js';
import type { LocateResponse as _rangekv_v1_LocateResponse, LocateResponse__Output as _rangekv_v1_LocateResponse__Output } from './rangekv/v1/LocateResponse.js';
import type { PutRequest as _rangekv_v1_PutRequest, PutRequest__Output as _rangekv_v1_PutRequest__Output } from './rangekv/v1/PutRequest.js';
import type { PutResponse as _rangekv_v1_PutResponse, PutResponse__Output as _rangekv_v1_PutResponse__Output } from './rangekv/v1/PutResponse.js';
import type { RangeDescriptor as _rangekv_v1_RangeDescriptor, RangeDescriptor__Output as _rangekv_v1_RangeDescriptor__Output } from './rangekv/v1/RangeDescriptor.js';
import type { RangeLocation as _rangekv_v1_RangeLocation, RangeLocation__Output as _rangekv_v1_RangeLocation__Output } from './rangekv/v1/RangeLocation.js';
import type { RangeReplica as _rangekv_v1_RangeReplica, RangeReplica__Output as _rangekv_v1_RangeReplica__Output } from './rangekv/v1/RangeReplica.js';
import type { ReplicaDescriptor as _rangekv_v1_ReplicaDescriptor, ReplicaDescriptor__Output as _rangekv_v1_ReplicaDescriptor__Output } from './rangekv/v1/ReplicaDescriptor.js';
import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from './rangekv/v1/RequestHeader.js';
import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from './rangekv/v1/ResponseHeader.js';
import type { Route as _rangekv_v1_Route, Route__Output as _rangekv_v1_Route__Output } from './rangekv/v1/Route.js';
import type { ScanRequest as _rangekv_v1_ScanRequest, ScanRequest__Output as _rangekv_v1_ScanRequest__Output } from './rangekv/v1/ScanRequest.js';
import type { ScanResponse as _rangekv_v1_ScanResponse, ScanResponse__Output as _rangekv_v1_ScanResponse__Output } from './rangekv/v1/ScanResponse.js';
import type { StoreAddress as _rangekv_v1_StoreAddress, StoreAddress__Output as _rangekv_v1_StoreAddress__Output } from './rangekv/v1/StoreAddress.js';

type SubtypeConstructor<Constructor extends new (...args: never[]) => unknown, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  rangekv: {
    v1: {
      BatchGetRequest: MessageTypeDefinition<_rangekv_v1_BatchGetRequest, _rangekv_v1_BatchGetRequest__Output>
      BatchGetResponse: MessageTypeDefinition<_rangekv_v1_BatchGetResponse, _rangekv_v1_BatchGetResponse__Output>
      CompareAndSwapRequest: MessageTypeDefinition<_rangekv_v1_CompareAndSwapRequest, _rangekv_v1_CompareAndSwapRequest__Output>
      CompareAndSwapResponse: MessageTypeDefinition<_rangekv_v1_CompareAndSwapResponse, _rangekv_v1_CompareAndSwapResponse__Output>
      DeleteRequest: MessageTypeDefinition<_rangekv_v1_DeleteRequest, _rangekv_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_rangekv_v1_DeleteResponse, _rangekv_v1_DeleteResponse__Output>
      Epoch: MessageTypeDefinition<_rangekv_v1_Epoch, _rangekv_v1_Epoch__Output>
      ErrorCode: EnumTypeDefinition
      ErrorDetail: MessageTypeDefinition<_rangekv_v1_ErrorDetail, _rangekv_v1_ErrorDetail__Output>
      GetRequest: MessageTypeDefinition<_rangekv_v1_GetRequest, _rangekv_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_rangekv_v1_GetResponse, _rangekv_v1_GetResponse__Output>
      KV: SubtypeConstructor<typeof grpc.Client, _rangekv_v1_KVClient> & { service: _rangekv_v1_KVDefinition }
      KeyValue: MessageTypeDefinition<_rangekv_v1_KeyValue, _rangekv_v1_KeyValue__Output>
      LocateRequest: MessageTypeDefinition<_rangekv_v1_LocateRequest, _rangekv_v1_LocateRequest__Output>
      LocateResponse: MessageTypeDefinition<_rangekv_v1_LocateResponse, _rangekv_v1_LocateResponse__Output>
      PutRequest: MessageTypeDefinition<_rangekv_v1_PutRequest, _rangekv_v1_PutRequest__Output>
      PutResponse: MessageTypeDefinition<_rangekv_v1_PutResponse, _rangekv_v1_PutResponse__Output>
      RangeDescriptor: MessageTypeDefinition<_rangekv_v1_RangeDescriptor, _rangekv_v1_RangeDescriptor__Output>
      RangeLocation: MessageTypeDefinition<_rangekv_v1_RangeLocation, _rangekv_v1_RangeLocation__Output>
      RangeReplica: MessageTypeDefinition<_rangekv_v1_RangeReplica, _rangekv_v1_RangeReplica__Output>
      ReadConsistency: EnumTypeDefinition
      ReplicaDescriptor: MessageTypeDefinition<_rangekv_v1_ReplicaDescriptor, _rangekv_v1_ReplicaDescriptor__Output>
      RequestHeader: MessageTypeDefinition<_rangekv_v1_RequestHeader, _rangekv_v1_RequestHeader__Output>
      ResponseHeader: MessageTypeDefinition<_rangekv_v1_ResponseHeader, _rangekv_v1_ResponseHeader__Output>
      Route: MessageTypeDefinition<_rangekv_v1_Route, _rangekv_v1_Route__Output>
      ScanRequest: MessageTypeDefinition<_rangekv_v1_ScanRequest, _rangekv_v1_ScanRequest__Output>
      ScanResponse: MessageTypeDefinition<_rangekv_v1_ScanResponse, _rangekv_v1_ScanResponse__Output>
      StoreAddress: MessageTypeDefinition<_rangekv_v1_StoreAddress, _rangekv_v1_StoreAddress__Output>
    }
  }
}

