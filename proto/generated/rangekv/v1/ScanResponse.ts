// Original file: rangekv/v1/kv.proto

import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from '../../rangekv/v1/ResponseHeader.js';
import type { KeyValue as _rangekv_v1_KeyValue, KeyValue__Output as _rangekv_v1_KeyValue__Output } from '../../rangekv/v1/KeyValue.js';

export interface ScanResponse {
  'header'?: (_rangekv_v1_ResponseHeader | null);
  'kvs'?: (_rangekv_v1_KeyValue)[];
  'nextPageToken'?: (Buffer | Uint8Array | string);
}

export interface ScanResponse__Output {
  'header': (_rangekv_v1_ResponseHeader__Output | null);
  'kvs': (_rangekv_v1_KeyValue__Output)[];
  'nextPageToken': (Buffer);
}
