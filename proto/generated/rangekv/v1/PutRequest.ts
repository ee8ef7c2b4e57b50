// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';

export interface PutRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
}

export interface PutRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'key': (Buffer);
  'value': (Buffer);
}
