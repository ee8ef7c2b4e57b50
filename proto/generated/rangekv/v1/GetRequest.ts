// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';
import type { ReadConsistency as _rangekv_v1_ReadConsistency, ReadConsistency__Output as _rangekv_v1_ReadConsistency__Output } from '../../rangekv/v1/ReadConsistency.js';

export interface GetRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'key'?: (Buffer | Uint8Array | string);
  'consistency'?: (_rangekv_v1_ReadConsistency);
}

export interface GetRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'key': (Buffer);
  'consistency': (_rangekv_v1_ReadConsistency__Output);
}
