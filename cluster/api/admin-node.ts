import type { StatusResponse } from '../../proto/generated/rangekv/v1/StatusResponse.js';
import type { RangeDescriptor, StoreId } from '../../proto/range-descriptor.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import type { Clock } from '../ports/clock.js';
import type { Timers } from '../ports/timers.js';
import type { PeerCalls } from '../transport/peer-calls.js';

export type ReplicaChangeOp = 'addLearner' | 'addVoter' | 'remove';

export interface ReplicaChangeRequest {
  readonly op: ReplicaChangeOp;
  readonly store: StoreId;
}

/** The range after a membership change. */
export interface ChangedReplicas {
  readonly descriptor: RangeDescriptor;
  /** Applied, but the joint configuration it entered is not left yet (the leader leaves it by itself). */
  readonly leavingJoint: boolean;
}

/** What the Admin service needs of the node it runs on (the node implements it: node/node.ts). */
export interface AdminNode {
  readonly storeId: StoreId;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly gateway: Gateway;
  readonly calls: PeerCalls;
  status(): StatusResponse;
  localRange(rangeId: number): ServedRange | undefined;
  /** At the range's leader: hands leadership to the replica on `to`; resolves with the new term. */
  transferLeader(rangeId: number, to: StoreId, deadlineAtMs: number): Promise<number>;
  /** At the range's leader: changes its replicas (one voter directly, more through a joint configuration). */
  changeReplicas(rangeId: number, changes: readonly ReplicaChangeRequest[], deadlineAtMs: number): Promise<ChangedReplicas>;
}
