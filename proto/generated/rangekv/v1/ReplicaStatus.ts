// Original file: rangekv/v1/admin.proto

import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from '../../rangekv/v1/Epoch.js';
import type { RangeReplica as _rangekv_v1_RangeReplica, RangeReplica__Output as _rangekv_v1_RangeReplica__Output } from '../../rangekv/v1/RangeReplica.js';
import type { Long } from '@grpc/proto-loader';

export interface ReplicaStatus {
  'rangeId'?: (number | string | Long);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'epoch'?: (_rangekv_v1_Epoch | null);
  'replicaId'?: (number | string | Long);
  'role'?: (string);
  'term'?: (number | string | Long);
  'leaderStoreId'?: (number | string | Long);
  'commitIndex'?: (number | string | Long);
  'appliedIndex'?: (number | string | Long);
  'quiesced'?: (boolean);
  'replicas'?: (_rangekv_v1_RangeReplica)[];
}

export interface ReplicaStatus__Output {
  'rangeId': (string);
  'start': (Buffer);
  'end': (Buffer);
  'epoch': (_rangekv_v1_Epoch__Output | null);
  'replicaId': (string);
  'role': (string);
  'term': (string);
  'leaderStoreId': (string);
  'commitIndex': (string);
  'appliedIndex': (string);
  'quiesced': (boolean);
  'replicas': (_rangekv_v1_RangeReplica__Output)[];
}
