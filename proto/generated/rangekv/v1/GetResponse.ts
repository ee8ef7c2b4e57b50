// Original file: rangekv/v1/kv.proto

import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from '../../rangekv/v1/ResponseHeader.js';
import type { KeyValue as _rangekv_v1_KeyValue, KeyValue__Output as _rangekv_v1_KeyValue__Output } from '../../rangekv/v1/KeyValue.js';

export interface GetResponse {
  'header'?: (_rangekv_v1_ResponseHeader | null);
  'found'?: (boolean);
  'kv'?: (_rangekv_v1_KeyValue | null);
}

export interface GetResponse__Output {
  'header': (_rangekv_v1_ResponseHeader__Output | null);
  'found': (boolean);
  'kv': (_rangekv_v1_KeyValue__Output | null);
}
