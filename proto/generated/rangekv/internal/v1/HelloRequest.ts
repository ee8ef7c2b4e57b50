// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface HelloRequest {
  'clusterId'?: (string);
  'storeId'?: (number | string | Long);
  'address'?: (string);
}

export interface HelloRequest__Output {
  'clusterId': (string);
  'storeId': (string);
  'address': (string);
}
