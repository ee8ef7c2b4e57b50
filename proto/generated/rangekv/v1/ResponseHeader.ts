// Original file: rangekv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface ResponseHeader {
  'sessionToken'?: (Buffer | Uint8Array | string);
  'rangeId'?: (number | string | Long);
  'storeId'?: (number | string | Long);
}

export interface ResponseHeader__Output {
  'sessionToken': (Buffer);
  'rangeId': (string);
  'storeId': (string);
}
