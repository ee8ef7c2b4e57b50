// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface RaftBatch {
  'clusterId'?: (string);
  'fromStoreId'?: (number | string | Long);
  'toStoreId'?: (number | string | Long);
  'messages'?: (Buffer | Uint8Array | string);
}

export interface RaftBatch__Output {
  'clusterId': (string);
  'fromStoreId': (string);
  'toStoreId': (string);
  'messages': (Buffer);
}
