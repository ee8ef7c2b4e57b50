// Original file: rangekv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface RangeReplica {
  'storeId'?: (number | string | Long);
  'replicaId'?: (number | string | Long);
  'learner'?: (boolean);
}

export interface RangeReplica__Output {
  'storeId': (string);
  'replicaId': (string);
  'learner': (boolean);
}
