// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface RangeInfoRequest {
  'clusterId'?: (string);
  'rangeId'?: (number | string | Long);
}

export interface RangeInfoRequest__Output {
  'clusterId': (string);
  'rangeId': (string);
}
