// Original file: rangekv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface Epoch {
  'confVersion'?: (number | string | Long);
  'version'?: (number | string | Long);
}

export interface Epoch__Output {
  'confVersion': (string);
  'version': (string);
}
