// Original file: rangekv/v1/admin.proto

import type { ReplicaChange as _rangekv_v1_ReplicaChange, ReplicaChange__Output as _rangekv_v1_ReplicaChange__Output } from '../../rangekv/v1/ReplicaChange.js';
import type { Long } from '@grpc/proto-loader';

export interface ChangeReplicasRequest {
  'rangeId'?: (number | string | Long);
  'changes'?: (_rangekv_v1_ReplicaChange)[];
}

export interface ChangeReplicasRequest__Output {
  'rangeId': (string);
  'changes': (_rangekv_v1_ReplicaChange__Output)[];
}
