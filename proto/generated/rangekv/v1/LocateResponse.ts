// Original file: rangekv/v1/kv.proto

import type { RangeLocation as _rangekv_v1_RangeLocation, RangeLocation__Output as _rangekv_v1_RangeLocation__Output } from '../../rangekv/v1/RangeLocation.js';
import type { StoreAddress as _rangekv_v1_StoreAddress, StoreAddress__Output as _rangekv_v1_StoreAddress__Output } from '../../rangekv/v1/StoreAddress.js';

export interface LocateResponse {
  'ranges'?: (_rangekv_v1_RangeLocation)[];
  'stores'?: (_rangekv_v1_StoreAddress)[];
}

export interface LocateResponse__Output {
  'ranges': (_rangekv_v1_RangeLocation__Output)[];
  'stores': (_rangekv_v1_StoreAddress__Output)[];
}
