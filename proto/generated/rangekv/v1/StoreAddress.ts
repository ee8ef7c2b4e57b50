// Original file: rangekv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface StoreAddress {
  'storeId'?: (number | string | Long);
  'address'?: (string);
}

export interface StoreAddress__Output {
  'storeId': (string);
  'address': (string);
}
