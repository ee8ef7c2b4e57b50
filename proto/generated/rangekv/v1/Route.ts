// Original file: rangekv/v1/kv.proto

import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from '../../rangekv/v1/Epoch.js';
import type { Long } from '@grpc/proto-loader';

export interface Route {
  'rangeId'?: (number | string | Long);
  'epoch'?: (_rangekv_v1_Epoch | null);
}

export interface Route__Output {
  'rangeId': (string);
  'epoch': (_rangekv_v1_Epoch__Output | null);
}
