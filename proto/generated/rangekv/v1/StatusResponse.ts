// Original file: rangekv/v1/admin.proto

import type { ReplicaStatus as _rangekv_v1_ReplicaStatus, ReplicaStatus__Output as _rangekv_v1_ReplicaStatus__Output } from '../../rangekv/v1/ReplicaStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'clusterId'?: (string);
  'storeId'?: (number | string | Long);
  'address'?: (string);
  'replicas'?: (_rangekv_v1_ReplicaStatus)[];
  'inflightRequests'?: (number | string | Long);
}

export interface StatusResponse__Output {
  'clusterId': (string);
  'storeId': (string);
  'address': (string);
  'replicas': (_rangekv_v1_ReplicaStatus__Output)[];
  'inflightRequests': (string);
}
