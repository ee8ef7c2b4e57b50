// Original file: rangekv/internal/v1/internal.proto


export interface SnapshotResult {
  'applied'?: (boolean);
  'errorCode'?: (string);
  'message'?: (string);
}

export interface SnapshotResult__Output {
  'applied': (boolean);
  'errorCode': (string);
  'message': (string);
}
