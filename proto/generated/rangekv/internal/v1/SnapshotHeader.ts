// Original file: rangekv/internal/v1/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotHeader {
  'clusterId'?: (string);
  'fromStoreId'?: (number | string | Long);
  'toStoreId'?: (number | string | Long);
  'rangeId'?: (number | string | Long);
  'raftMessage'?: (Buffer | Uint8Array | string);
}

export interface SnapshotHeader__Output {
  'clusterId': (string);
  'fromStoreId': (string);
  'toStoreId': (string);
  'rangeId': (string);
  'raftMessage': (Buffer);
}
