// Original file: rangekv/v1/kv.proto

import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from '../../rangekv/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  'header'?: (_rangekv_v1_ResponseHeader | null);
  'deleted'?: (boolean);
  'version'?: (number | string | Long);
}

export interface DeleteResponse__Output {
  'header': (_rangekv_v1_ResponseHeader__Output | null);
  'deleted': (boolean);
  'version': (string);
}
