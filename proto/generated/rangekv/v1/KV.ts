// Original file: rangekv/v1/kv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGetRequest as _rangekv_v1_BatchGetRequest, BatchGetRequest__Output as _rangekv_v1_BatchGetRequest__Output } from '../../rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse as _rangekv_v1_BatchGetResponse, BatchGetResponse__Output as _rangekv_v1_BatchGetResponse__Output } from '../../rangekv/v1/BatchGetResponse.js';
import type { CompareAndSwapRequest as _rangekv_v1_CompareAndSwapRequest, CompareAndSwapRequest__Output as _rangekv_v1_CompareAndSwapRequest__Output } from '../../rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse as _rangekv_v1_CompareAndSwapResponse, CompareAndSwapResponse__Output as _rangekv_v1_CompareAndSwapResponse__Output } from '../../rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest as _rangekv_v1_DeleteRequest, DeleteRequest__Output as _rangekv_v1_DeleteRequest__Output } from '../../rangekv/v1/DeleteRequest.js';
import type { DeleteResponse as _rangekv_v1_DeleteResponse, DeleteResponse__Output as _rangekv_v1_DeleteResponse__Output } from '../../rangekv/v1/DeleteResponse.js';
import type { GetRequest as _rangekv_v1_GetRequest, GetRequest__Output as _rangekv_v1_GetRequest__Output } from '../../rangekv/v1/GetRequest.js';
import type { GetResponse as _rangekv_v1_GetResponse, GetResponse__Output as _rangekv_v1_GetResponse__Output } from '../../rangekv/v1/GetResponse.js';
import type { LocateRequest as _rangekv_v1_LocateRequest, LocateRequest__Output as _rangekv_v1_LocateRequest__Output } from '../../rangekv/v1/LocateRequest.js';
import type { LocateResponse as _rangekv_v1_LocateResponse, LocateResponse__Output as _rangekv_v1_LocateResponse__Output } from '../../rangekv/v1/LocateResponse.js';
import type { PutRequest as _rangekv_v1_PutRequest, PutRequest__Output as _rangekv_v1_PutRequest__Output } from '../../rangekv/v1/PutRequest.js';
import type { PutResponse as _rangekv_v1_PutResponse, PutResponse__Output as _rangekv_v1_PutResponse__Output } from '../../rangekv/v1/PutResponse.js';
import type { ScanRequest as _rangekv_v1_ScanRequest, ScanRequest__Output as _rangekv_v1_ScanRequest__Output } from '../../rangekv/v1/ScanRequest.js';
import type { ScanResponse as _rangekv_v1_ScanResponse, ScanResponse__Output as _rangekv_v1_ScanResponse__Output } from '../../rangekv/v1/ScanResponse.js';

export interface KVClient extends grpc.Client {
  BatchGet(argument: _rangekv_v1_BatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _rangekv_v1_BatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _rangekv_v1_BatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _rangekv_v1_BatchGetRequest, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _rangekv_v1_BatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _rangekv_v1_BatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _rangekv_v1_BatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _rangekv_v1_BatchGetRequest, callback: grpc.requestCallback<_rangekv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  
  CompareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _rangekv_v1_CompareAndSwapRequest, callback: grpc.requestCallback<_rangekv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _rangekv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _rangekv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _rangekv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _rangekv_v1_DeleteRequest, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _rangekv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _rangekv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _rangekv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _rangekv_v1_DeleteRequest, callback: grpc.requestCallback<_rangekv_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _rangekv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rangekv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rangekv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _rangekv_v1_GetRequest, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rangekv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rangekv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rangekv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _rangekv_v1_GetRequest, callback: grpc.requestCallback<_rangekv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  Locate(argument: _rangekv_v1_LocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  Locate(argument: _rangekv_v1_LocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  Locate(argument: _rangekv_v1_LocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  Locate(argument: _rangekv_v1_LocateRequest, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  locate(argument: _rangekv_v1_LocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  locate(argument: _rangekv_v1_LocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  locate(argument: _rangekv_v1_LocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  locate(argument: _rangekv_v1_LocateRequest, callback: grpc.requestCallback<_rangekv_v1_LocateResponse__Output>): grpc.ClientUnaryCall;
  
  Put(argument: _rangekv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rangekv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rangekv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _rangekv_v1_PutRequest, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rangekv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rangekv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rangekv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _rangekv_v1_PutRequest, callback: grpc.requestCallback<_rangekv_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  
  Scan(argument: _rangekv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _rangekv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _rangekv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _rangekv_v1_ScanRequest, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _rangekv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _rangekv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _rangekv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _rangekv_v1_ScanRequest, callback: grpc.requestCallback<_rangekv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface KVHandlers extends grpc.UntypedServiceImplementation {
  BatchGet: grpc.handleUnaryCall<_rangekv_v1_BatchGetRequest__Output, _rangekv_v1_BatchGetResponse>;
  
  CompareAndSwap: grpc.handleUnaryCall<_rangekv_v1_CompareAndSwapRequest__Output, _rangekv_v1_CompareAndSwapResponse>;
  
  Delete: grpc.handleUnaryCall<_rangekv_v1_DeleteRequest__Output, _rangekv_v1_DeleteResponse>;
  
  Get: grpc.handleUnaryCall<_rangekv_v1_GetRequest__Output, _rangekv_v1_GetResponse>;
  
  Locate: grpc.handleUnaryCall<_rangekv_v1_LocateRequest__Output, _rangekv_v1_LocateResponse>;
  
  Put: grpc.handleUnaryCall<_rangekv_v1_PutRequest__Output, _rangekv_v1_PutResponse>;
  
  Scan: grpc.handleUnaryCall<_rangekv_v1_ScanRequest__Output, _rangekv_v1_ScanResponse>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  BatchGet: MethodDefinition<_rangekv_v1_BatchGetRequest, _rangekv_v1_BatchGetResponse, _rangekv_v1_BatchGetRequest__Output, _rangekv_v1_BatchGetResponse__Output>
  CompareAndSwap: MethodDefinition<_rangekv_v1_CompareAndSwapRequest, _rangekv_v1_CompareAndSwapResponse, _rangekv_v1_CompareAndSwapRequest__Output, _rangekv_v1_CompareAndSwapResponse__Output>
  Delete: MethodDefinition<_rangekv_v1_DeleteRequest, _rangekv_v1_DeleteResponse, _rangekv_v1_DeleteRequest__Output, _rangekv_v1_DeleteResponse__Output>
  Get: MethodDefinition<_rangekv_v1_GetRequest, _rangekv_v1_GetResponse, _rangekv_v1_GetRequest__Output, _rangekv_v1_GetResponse__Output>
  Locate: MethodDefinition<_rangekv_v1_LocateRequest, _rangekv_v1_LocateResponse, _rangekv_v1_LocateRequest__Output, _rangekv_v1_LocateResponse__Output>
  Put: MethodDefinition<_rangekv_v1_PutRequest, _rangekv_v1_PutResponse, _rangekv_v1_PutRequest__Output, _rangekv_v1_PutResponse__Output>
  Scan: MethodDefinition<_rangekv_v1_ScanRequest, _rangekv_v1_ScanResponse, _rangekv_v1_ScanRequest__Output, _rangekv_v1_ScanResponse__Output>
}
