// Original file: rangekv/v1/kv.proto

import type { RequestHeader as _rangekv_v1_RequestHeader, RequestHeader__Output as _rangekv_v1_RequestHeader__Output } from '../../rangekv/v1/RequestHeader.js';
import type { ReadConsistency as _rangekv_v1_ReadConsistency, ReadConsistency__Output as _rangekv_v1_ReadConsistency__Output } from '../../rangekv/v1/ReadConsistency.js';

export interface ScanRequest {
  'header'?: (_rangekv_v1_RequestHeader | null);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'limit'?: (number);
  'pageToken'?: (Buffer | Uint8Array | string);
  'consistency'?: (_rangekv_v1_ReadConsistency);
  'reverse'?: (boolean);
  'keysOnly'?: (boolean);
}

export interface ScanRequest__Output {
  'header': (_rangekv_v1_RequestHeader__Output | null);
  'start': (Buffer);
  'end': (Buffer);
  'limit': (number);
  'pageToken': (Buffer);
  'consistency': (_rangekv_v1_ReadConsistency__Output);
  'reverse': (boolean);
  'keysOnly': (boolean);
}
