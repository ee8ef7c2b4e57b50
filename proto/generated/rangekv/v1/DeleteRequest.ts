// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';

export interface DeleteRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'key'?: (Buffer | Uint8Array | string);
}

export interface DeleteRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'key': (Buffer);
}
