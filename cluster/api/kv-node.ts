import type { Logger } from 'pino';
import type { LogIndex } from '../../raft/index.js';
import type { MvccReader } from '../../storage/index.js';
import type { KvError } from '../../proto/kv-error.js';
import type { StoreId } from '../../proto/range-descriptor.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ServedRange } from '../gateway/local-ranges.js';
import type { ClientSession, KvOp, WriteResult } from '../kv/command.js';
import type { Clock } from '../ports/clock.js';
import type { FaultPoints } from '../ports/fault-points.js';
import type { Timers } from '../ports/timers.js';
import type { AppliedWrite, ReadMode } from '../replica/replica.js';

export interface KvLimits {
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  /** Applied to requests that carry no deadline. */
  readonly defaultDeadlineMs: number;
}

/**
 * What the KV service needs of the node it runs on — and nothing more: the service never sees the
 * Node, its replicas' raft state or its store's writer. The node implements it (node/node.ts).
 */
export interface KvNode {
  readonly storeId: StoreId;
  readonly limits: KvLimits;
  /** Fault switch (tests only): linearizable reads served by any local replica, unconfirmed. */
  readonly staleReads: boolean;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly faults: FaultPoints;
  readonly log: Logger;
  readonly gateway: Gateway;
  /** MVCC reads of the store's data; only inside a read's `execute` are they at a known index. */
  readonly data: MvccReader;
  localRange(rangeId: number): ServedRange | undefined;
  /**
   * Proposes a write on the local replica, which must lead its range; resolves once it is applied
   * (durably). Past the deadline it rejects with OUTCOME_UNKNOWN — it may still commit.
   */
  proposeWrite(range: ServedRange, session: ClientSession | null, op: KvOp, deadlineAtMs: number): Promise<AppliedWrite<WriteResult>>;
  /** Runs `execute` on the local replica once `mode` allows; DEADLINE_EXCEEDED past the deadline. */
  read<T>(range: ServedRange, mode: ReadMode, deadlineAtMs: number, execute: (appliedIndex: LogIndex) => T): Promise<T>;
  /** A NOT_LEADER error naming the leader the local replica believes in. */
  notLeader(range: ServedRange): KvError;
}
