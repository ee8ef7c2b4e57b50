// Original file: rangekv/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'version'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (Buffer);
  'value': (Buffer);
  'version': (string);
}
