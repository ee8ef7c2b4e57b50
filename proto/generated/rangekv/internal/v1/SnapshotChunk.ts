// Original file: rangekv/internal/v1/internal.proto

import type { SnapshotHeader as _rangekv_internal_v1_SnapshotHeader, SnapshotHeader__Output as _rangekv_internal_v1_SnapshotHeader__Output } from '../../../rangekv/internal/v1/SnapshotHeader.js';

export interface SnapshotChunk {
  'header'?: (_rangekv_internal_v1_SnapshotHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'last'?: (boolean);
}

export interface SnapshotChunk__Output {
  'header': (_rangekv_internal_v1_SnapshotHeader__Output | null);
  'data': (Buffer);
  'last': (boolean);
}
