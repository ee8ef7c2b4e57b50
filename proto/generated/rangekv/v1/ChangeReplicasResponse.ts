// Original file: rangekv/v1/admin.proto

import type { RangeReplica as _rangekv_v1_RangeReplica, RangeReplica__Output as _rangekv_v1_RangeReplica__Output } from '../../rangekv/v1/RangeReplica.js';
import type { Epoch as _rangekv_v1_Epoch, Epoch__Output as _rangekv_v1_Epoch__Output } from '../../rangekv/v1/Epoch.js';

export interface ChangeReplicasResponse {
  'replicas'?: (_rangekv_v1_RangeReplica)[];
  'epoch'?: (_rangekv_v1_Epoch | null);
  'leavingJoint'?: (boolean);
}

export interface ChangeReplicasResponse__Output {
  'replicas': (_rangekv_v1_RangeReplica__Output)[];
  'epoch': (_rangekv_v1_Epoch__Output | null);
  'leavingJoint': (boolean);
}
