// Original file: rangekv/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeaderResponse {
  'term'?: (number | string | Long);
}

export interface TransferLeaderResponse__Output {
  'term': (string);
}
