// Original file: rangekv/v1/kv.proto

import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from '../../rangekv/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface CompareAndSwapResponse {
  'header'?: (_rangekv_v1_ResponseHeader | null);
  'succeeded'?: (boolean);
  'found'?: (boolean);
  'currentValue'?: (Buffer | Uint8Array | string);
  'version'?: (number | string | Long);
}

export interface CompareAndSwapResponse__Output {
  'header': (_rangekv_v1_ResponseHeader__Output | null);
  'succeeded': (boolean);
  'found': (boolean);
  'currentValue': (Buffer);
  'version': (string);
}
