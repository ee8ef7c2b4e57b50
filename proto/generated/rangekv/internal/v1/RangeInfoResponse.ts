// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface RangeInfoResponse {
  'found'?: (boolean);
  'descriptor'?: (Buffer | Uint8Array | string);
  'leaderStoreId'?: (number | string | Long);
}

export interface RangeInfoResponse__Output {
  'found': (boolean);
  'descriptor': (Buffer);
  'leaderStoreId': (string);
}
