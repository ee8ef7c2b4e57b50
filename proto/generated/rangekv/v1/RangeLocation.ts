// Original file: rangekv/v1/kv.proto

import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from '../../rangekv/v1/Epoch.js';
import type { RangeReplica as _rangekv_v1_RangeReplica, RangeReplica__Output as _rangekv_v1_RangeReplica__Output } from '../../rangekv/v1/RangeReplica.js';
import type { Long } from '@grpc/proto-loader';

export interface RangeLocation {
  'rangeId'?: (number | string | Long);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'epoch'?: (_rangekv_v1_Epoch | null);
  'replicas'?: (_rangekv_v1_RangeReplica)[];
  'leaderStoreId'?: (number | string | Long);
}

export interface RangeLocation__Output {
  'rangeId': (string);
  'start': (Buffer);
  'end': (Buffer);
  'epoch': (_rangekv_v1_Epoch__Output | null);
  'replicas': (_rangekv_v1_RangeReplica__Output)[];
  'leaderStoreId': (string);
}
