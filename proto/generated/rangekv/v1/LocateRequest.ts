// Original file: rangekv/v1/kv.proto


export interface LocateRequest {
  'key'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'limit'?: (number);
  'toEnd'?: (boolean);
  'before'?: (boolean);
}

export interface LocateRequest__Output {
  'key': (Buffer);
  'end': (Buffer);
  'limit': (number);
  'toEnd': (boolean);
  'before': (boolean);
}
