import type { Rng } from '../../raft/index.js';
import type { Clock } from './clock.js';
import type { FaultPoints } from './fault-points.js';
import type { NodeNetwork } from './node-network.js';
import type { Timers } from './timers.js';

/**
 * Everything outside itself that a node touches, given to it at start: time, timers, randomness,
 * the network and the fault points. Production wiring is grpc/start-node.ts; the whole-cluster
 * simulator (test/sim-cluster/) wires fakes, so it runs the real node code from a seed.
 */
export interface NodePorts {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Seeds the replicas' raft randomness and this incarnation's request ids. */
  readonly rng: Rng;
  readonly faults: FaultPoints;
  readonly network: NodeNetwork;
  /**
   * Crash-only: called once when the node cannot go on (its loop broke, its store failed). In
   * production it ends the process and never returns; a supervisor restarts it from its files.
   */
  exit(code: number): void;
}
