// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';

export interface CompareAndSwapRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'key'?: (Buffer | Uint8Array | string);
  'expectedValue'?: (Buffer | Uint8Array | string);
  'newValue'?: (Buffer | Uint8Array | string);
  'deleteOnMatch'?: (boolean);
  '_expectedValue'?: "expectedValue";
}

export interface CompareAndSwapRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'key': (Buffer);
  'expectedValue'?: (Buffer);
  'newValue': (Buffer);
  'deleteOnMatch': (boolean);
  '_expectedValue'?: "expectedValue";
}
