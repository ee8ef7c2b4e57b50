// Original file: rangekv/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeaderRequest {
  'rangeId'?: (number | string | Long);
  'toStoreId'?: (number | string | Long);
}

export interface TransferLeaderRequest__Output {
  'rangeId': (string);
  'toStoreId': (string);
}
