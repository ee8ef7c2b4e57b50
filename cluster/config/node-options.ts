import type { Logger } from 'pino';
import type { ClusterConfig } from './cluster-config.js';
import type { StoreId } from '../../proto/range-descriptor.js';

/** Everything a node process needs to start (the CLI's `rangekv start` builds it from flags and the config file). */
export interface NodeOptions {
  readonly cluster: ClusterConfig;
  readonly storeId: StoreId;
  /** Directory of this store's database (created if missing). */
  readonly dataDir: string;
  /** host:port to listen on; defaults to the store's address in the cluster config. */
  readonly listenAddress?: string;
  /**
   * Addresses this node dials to reach other stores, overriding the cluster config (the fault
   * harness points them at its link proxies).
   */
  readonly peerAddressOverrides?: ReadonlyMap<StoreId, string>;
  readonly logger: Logger;
  /** Raft tick length. Default 100 ms (election timeout 10 ticks = 1 s, heartbeat every tick). */
  readonly tickMs?: number;
  readonly electionTimeoutTicks?: number;
  readonly heartbeatIntervalTicks?: number;
  /** Serve linearizable reads from a leader lease (see README). Default off. */
  readonly leaseReads?: boolean;
  readonly keyBytesMax?: number;
  readonly valueBytesMax?: number;
  /** Requests in flight on this node before it sheds load with OVERLOADED. Default 10,000. */
  readonly inflightRequestsMax?: number;
  /**
   * Client API and admin calls one client may have in flight on this node, across all its
   * connections, before its next call is refused with OVERLOADED. A client is its certificate's
   * name, else its IP address (an IPv6 one as its /64); node certificates are exempt. Default: a tenth
   * of inflightRequestsMax (1,000).
   */
  readonly clientInflightRequestsMax?: number;
  /** Deadline applied to requests that carry none. Default 10 s. */
  readonly defaultDeadlineMs?: number;
  /** Truncate a range's raft log once it retains this many applied entries. Default 20,000. */
  readonly logTruncateThresholdEntries?: number;
  /** Entries kept behind the applied index when truncating (slow followers catch up from them). Default 5,000. */
  readonly logRetainEntries?: number;
  /** Test-only fault switches (see FaultSwitches); never set in production. */
  readonly faults?: FaultSwitches;
  /**
   * 'fsync' (default): a batch is durable against power loss before anything depends on it.
   * 'process': durable against a process crash only (SQLite synchronous=OFF) — the whole-cluster
   * simulator's setting, whose crashes are process crashes; never for real data.
   */
  readonly storageDurability?: 'fsync' | 'process';
  /** Interval of the store-liveness pings each node sends every peer. Default: the raft tick. */
  readonly livenessPingMs?: number;
}

/**
 * Deliberate bugs, switched on only by the fault harness to prove it catches them. Each one breaks a
 * guarantee the README promises.
 */
export interface FaultSwitches {
  /** Serve linearizable reads from any replica's applied state, without ReadIndex or lease. */
  readonly staleReads?: boolean;
  /**
   * Acknowledge a write as soon as the leader has appended it to its log — before a quorum has it
   * durable, i.e. before it is committed — with the result it would have if applied now. A leader
   * that then crashes or is cut off loses writes it acknowledged.
   */
  readonly ackBeforeCommit?: boolean;
  /** Apply a retried write again instead of answering from the exactly-once table. */
  readonly skipDedup?: boolean;
  /**
   * Send each turn's messages (votes, append acknowledgements) before its batch is durable: a crash
   * between the two loses log entries a quorum was told were stored.
   */
  readonly ackAppendBeforeDurable?: boolean;
  /** Apply log entries as soon as they are appended, before they are committed. */
  readonly applyBeforeCommit?: boolean;
  /** Never wake a quiesced follower whose leader's store went silent (the idle-failover bug). */
  readonly quiescedNeverWakes?: boolean;
}

export interface RunningNode {
  readonly storeId: StoreId;
  /** The address it listens on (host:port). */
  readonly address: string;
  /** Stops accepting, fails or finishes in-flight requests, flushes and closes. Idempotent. */
  stop(reason: string): Promise<void>;
}
