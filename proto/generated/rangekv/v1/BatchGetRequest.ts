// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';
import type { ReadConsistency as _rangekv_v1_ReadConsistency, ReadConsistency__Output as _rangekv_v1_ReadConsistency__Output } from '../../rangekv/v1/ReadConsistency.js';

export interface BatchGetRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'keys'?: (Buffer | Uint8Array | string)[];
  'consistency'?: (_rangekv_v1_ReadConsistency);
}

export interface BatchGetRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'keys': (Buffer)[];
  'consistency': (_rangekv_v1_ReadConsistency__Output);
}
