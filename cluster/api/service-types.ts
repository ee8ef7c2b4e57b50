import type { BatchGetRequest__Output } from '../../proto/generated/rangekv/v1/BatchGetRequest.js';
import type { BatchGetResponse } from '../../proto/generated/rangekv/v1/BatchGetResponse.js';
import type { ChangeReplicasRequest__Output } from '../../proto/generated/rangekv/v1/ChangeReplicasRequest.js';
import type { ChangeReplicasResponse } from '../../proto/generated/rangekv/v1/ChangeReplicasResponse.js';
import type { CompareAndSwapRequest__Output } from '../../proto/generated/rangekv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse } from '../../proto/generated/rangekv/v1/CompareAndSwapResponse.js';
import type { DeleteRequest__Output } from '../../proto/generated/rangekv/v1/DeleteRequest.js';
import type { DeleteResponse } from '../../proto/generated/rangekv/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../../proto/generated/rangekv/v1/GetRequest.js';
import type { GetResponse } from '../../proto/generated/rangekv/v1/GetResponse.js';
import type { LocateRequest__Output } from '../../proto/generated/rangekv/v1/LocateRequest.js';
import type { LocateResponse } from '../../proto/generated/rangekv/v1/LocateResponse.js';
import type { PutRequest__Output } from '../../proto/generated/rangekv/v1/PutRequest.js';
import type { PutResponse } from '../../proto/generated/rangekv/v1/PutResponse.js';
import type { ScanRequest__Output } from '../../proto/generated/rangekv/v1/ScanRequest.js';
import type { ScanResponse } from '../../proto/generated/rangekv/v1/ScanResponse.js';
import type { StatusRequest__Output } from '../../proto/generated/rangekv/v1/StatusRequest.js';
import type { StatusResponse } from '../../proto/generated/rangekv/v1/StatusResponse.js';
import type { TransferLeaderRequest__Output } from '../../proto/generated/rangekv/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse } from '../../proto/generated/rangekv/v1/TransferLeaderResponse.js';

/**
 * A service method without its transport: the decoded request and the caller's deadline (on the
 * node's monotonic clock; undefined when the caller set none) in, the answer out. Every failure is
 * a KvError. The gRPC bindings (cluster/grpc/) and the simulator's network call these.
 */
export type ServiceMethod<Req, Res> = (request: Req, deadlineAtMs: number | undefined) => Promise<Res>;

/** rangekv.v1.KV (proto/rangekv/v1/kv.proto). */
export interface KvApi {
  readonly Get: ServiceMethod<GetRequest__Output, GetResponse>;
  readonly BatchGet: ServiceMethod<BatchGetRequest__Output, BatchGetResponse>;
  readonly Put: ServiceMethod<PutRequest__Output, PutResponse>;
  readonly Delete: ServiceMethod<DeleteRequest__Output, DeleteResponse>;
  readonly CompareAndSwap: ServiceMethod<CompareAndSwapRequest__Output, CompareAndSwapResponse>;
  readonly Scan: ServiceMethod<ScanRequest__Output, ScanResponse>;
  readonly Locate: ServiceMethod<LocateRequest__Output, LocateResponse>;
}

/** rangekv.v1.Admin (proto/rangekv/v1/admin.proto). */
export interface AdminApi {
  readonly Status: ServiceMethod<StatusRequest__Output, StatusResponse>;
  readonly TransferLeader: ServiceMethod<TransferLeaderRequest__Output, TransferLeaderResponse>;
  readonly ChangeReplicas: ServiceMethod<ChangeReplicasRequest__Output, ChangeReplicasResponse>;
}
