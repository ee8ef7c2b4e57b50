// Original file: rangekv/v1/kv.proto

import type { Route as _rangekv_v1_Route, Route__Output as _rangekv_v1_Route__Output } from '../../rangekv/v1/Route.js';
import type { Long } from '@grpc/proto-loader';

export interface RequestHeader {
  'route'?: (_rangekv_v1_Route | null);
  'sessionToken'?: (Buffer | Uint8Array | string);
  'clientId'?: (Buffer | Uint8Array | string);
  'seq'?: (number | string | Long);
  'firstIncompleteSeq'?: (number | string | Long);
}

export interface RequestHeader__Output {
  'route': (_rangekv_v1_Route__Output | null);
  'sessionToken': (Buffer);
  'clientId': (Buffer);
  'seq': (string);
  'firstIncompleteSeq': (string);
}
