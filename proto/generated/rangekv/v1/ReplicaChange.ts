// Original file: rangekv/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

// Original file: /work/main/proto/rangekv/v1/admin.proto

export const _rangekv_v1_ReplicaChange_Op = {
  ADD_LEARNER: 'ADD_LEARNER',
  ADD_VOTER: 'ADD_VOTER',
  REMOVE: 'REMOVE',
} as const;

export type _rangekv_v1_ReplicaChange_Op =
  | 'ADD_LEARNER'
  | 0
  | 'ADD_VOTER'
  | 1
  | 'REMOVE'
  | 2

export type _rangekv_v1_ReplicaChange_Op__Output = typeof _rangekv_v1_ReplicaChange_Op[keyof typeof _rangekv_v1_ReplicaChange_Op]

export interface ReplicaChange {
  'op'?: (_rangekv_v1_ReplicaChange_Op);
  'storeId'?: (number | string | Long);
}

export interface ReplicaChange__Output {
  'op': (_rangekv_v1_ReplicaChange_Op__Output);
  'storeId': (string);
}
