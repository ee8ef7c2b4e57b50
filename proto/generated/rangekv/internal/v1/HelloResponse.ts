// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface HelloResponse {
  'clusterId'?: (string);
  'storeId'?: (number | string | Long);
}

export interface HelloResponse__Output {
  'clusterId': (string);
  'storeId': (string);
}
