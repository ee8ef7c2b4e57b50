// Original file: rangekv/v1/kv.proto

import type { ResponseHeader as _rangekv_v1_ResponseHeader, ResponseHeader__Output as _rangekv_v1_ResponseHeader__Output } from '../../rangekv/v1/ResponseHeader.js';
import type { GetResponse as _rangekv_v1_GetResponse, GetResponse__Output as _rangekv_v1_GetResponse__Output } from '../../rangekv/v1/GetResponse.js';

export interface BatchGetResponse {
  'header'?: (_rangekv_v1_ResponseHeader | null);
  'results'?: (_rangekv_v1_GetResponse)[];
}

export interface BatchGetResponse__Output {
  'header': (_rangekv_v1_ResponseHeader__Output | null);
  'results': (_rangekv_v1_GetResponse__Output)[];
}
