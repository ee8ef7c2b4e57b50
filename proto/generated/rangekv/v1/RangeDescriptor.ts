// Original file: rangekv/v1/errors.proto

import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from '../../rangekv/v1/Epoch.js';
import type { ReplicaDescriptor as _rangekv_v1_ReplicaDescriptor, ReplicaDescriptor__Output as _rangekv_v1_ReplicaDescriptor__Output } from '../../rangekv/v1/ReplicaDescriptor.js';
import type { Long } from '@grpc/proto-loader';

export interface RangeDescriptor {
  'rangeId'?: (number | string | Long);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'epoch'?: (_rangekv_v1_Epoch | null);
  'replicas'?: (_rangekv_v1_ReplicaDescriptor)[];
}

export interface RangeDescriptor__Output {
  'rangeId': (string);
  'start': (Buffer);
  'end': (Buffer);
  'epoch': (_rangekv_v1_Epoch__Output | null);
  'replicas': (_rangekv_v1_ReplicaDescriptor__Output)[];
}
