/**
 * What the harness needs from a database under test. A driver describes how to run each node
 * (command, arguments, environment) and how to talk to it; the harness owns everything else: it
 * allocates the ports, puts a proxy on every directed peer link, starts, kills, pauses and
 * restarts the processes through its supervisor (adding libfaketime when clock faults are on), and
 * stops them at the end. A driver never starts or signals processes itself.
 *
 * Optional methods unlock nemeses: leaderOf (kill/pause/isolate range leaders), transferLeader,
 * changeMembership (+ replicasOf), setClockOffsetMs (the clock hook). A nemesis whose method is
 * missing is refused before the run starts.
 */
import type { KvClient } from './kv-client.js';

export interface ClusterNode {
  /** 0-based; named n1, n2, … in logs and reports. */
  readonly index: number;
  readonly name: string;
  readonly host: string;
  /** Where clients (the harness's workers) connect, directly. */
  readonly clientPort: number;
  /**
   * Where the node listens for its peers. Peers never dial it directly: they go through proxies.
   * A node with a single listening address (one gRPC server for clients and peers) listens here,
   * and its driver's clients connect here directly; clientPort is then unused.
   */
  readonly peerPort: number;
  /**
   * peerAddresses[j] = "host:port" this node must dial to reach node j: the proxy P(this→j).
   * null at the node's own index. A node must send its messages to j over connections it opened
   * itself through this address (not answer on j's connections), or one-way partitions cannot be
   * expressed.
   */
  readonly peerAddresses: readonly (string | null)[];
  /** An empty directory for the node's data, kept across restarts. */
  readonly dataDir: string;
}

export interface ClusterSetup {
  readonly runDir: string;
  readonly seed: number;
  readonly nodes: readonly ClusterNode[];
}

/** How to run one node; the supervisor adds logs, lifeline and libfaketime. */
export interface NodeProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** True if the node exits when its stdin closes (so it dies with a SIGKILLed harness). */
  readonly exitsOnStdinClose?: boolean;
}

/** Move a replica of the range holding `key`: add one, remove one, or both (a move). */
export interface MembershipChange {
  readonly key: string;
  readonly addNode: number | null;
  readonly removeNode: number | null;
}

export interface ClusterCallOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface ClusterDriver {
  /** The --cluster name. */
  readonly name: string;
  /** The process for one node. Called once per node before anything starts; restarts reuse it. */
  nodeProcessSpec(setup: ClusterSetup, node: ClusterNode): NodeProcessSpec;
  /**
   * Called once every node process is running: bootstrap whatever needs bootstrapping, and resolve
   * when the cluster serves requests. Must give up (reject) within `timeoutMs`.
   */
  start(setup: ClusterSetup, options: ClusterCallOptions): Promise<void>;
  /** A client that talks to node `nodeIndex` (each worker is bound to one node). The harness closes it. */
  client(nodeIndex: number): KvClient;
  /**
   * After the faults are healed: resolve true once the cluster serves again on every node, false
   * when `timeoutMs` passes first. When absent, the harness probes with get() through client().
   */
  awaitHealthy?(options: ClusterCallOptions): Promise<boolean>;
  /** Releases the driver's own resources (clients, timers). Processes are the harness's to stop. */
  stop(): Promise<void>;

  /** The node currently leading the range that holds `key`, null if unknown or leaderless. */
  leaderOf?(key: string, options: ClusterCallOptions): Promise<number | null>;
  /** The nodes holding a replica of the range that holds `key` (default: all). */
  replicasOf?(key: string, options: ClusterCallOptions): Promise<readonly number[]>;
  /** Asks the range holding `key` to hand leadership to `toNode`. */
  transferLeader?(key: string, toNode: number, options: ClusterCallOptions): Promise<void>;
  changeMembership?(change: MembershipChange, options: ClusterCallOptions): Promise<void>;
  /** The clock hook: offset node `nodeIndex`'s wall clock by `offsetMs` from real time (0 = none). */
  setClockOffsetMs?(nodeIndex: number, offsetMs: number, options: ClusterCallOptions): Promise<void>;
}

/** Options every driver factory receives from the command line. */
export interface ClusterDriverOptions {
  readonly nodeCount: number;
  /** Test-only fault switch of the database under test (e.g. the fake's "stale-reads"), or null. */
  readonly bug: string | null;
  /** Mutual TLS between the nodes and to them (drivers without TLS refuse it). */
  readonly tls?: boolean;
  /** Where the driver may put scratch files (e.g. a compiled helper script). */
  readonly scratchDir: string;
}

export type ClusterDriverFactory = (options: ClusterDriverOptions) => Promise<ClusterDriver>;
