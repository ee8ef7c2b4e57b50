// Original file: rangekv/v1/errors.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplicaDescriptor {
  'storeId'?: (number | string | Long);
  'replicaId'?: (number | string | Long);
  'learner'?: (boolean);
}

export interface ReplicaDescriptor__Output {
  'storeId': (string);
  'replicaId': (string);
  'learner': (boolean);
}
