/**
 * A nemesis injects one kind of fault. Fault nemeses have start (inject) and stop (undo); one-shot
 * nemeses (a leader transfer) only start. heal() undoes whatever is still in effect and is
 * idempotent: the scheduler calls it at the end of the run and after an error.
 *
 * A nemesis reaches the cluster only through the context: node processes (the supervisor), the
 * network (the link proxies), clocks, and the driver's optional admin callbacks.
 */
import type { SeededRng } from '../../../raft/rng.js';
import type { BlockMode } from '../link-proxy-mesh.js';
import type { ClockControl } from '../clock-control.js';
import type { ClusterCallOptions, ClusterDriver } from '../cluster-driver.js';
import type { DirectedLink } from '../directed-link.js';
import type { JsonValue } from '../json-value.js';
import type { ProcessState } from '../process-supervisor.js';

/** The node processes, by 0-based index. */
export interface NodeProcessControl {
  state(node: number): ProcessState;
  kill(node: number): Promise<void>;
  /** Starts the node again (with its original command) if it is not running. */
  restart(node: number): Promise<void>;
  pause(node: number): void;
  resume(node: number): void;
}

/** The network between nodes; faults are held per owner (see LinkProxyMesh). */
export interface NetworkControl {
  block(owner: string, links: readonly DirectedLink[], mode: BlockMode): Promise<void>;
  delay(owner: string, links: readonly DirectedLink[], latencyMs: number): Promise<void>;
  release(owner: string): Promise<void>;
}

/** The subset of the cluster driver a nemesis may call. */
export type NemesisCluster = Pick<ClusterDriver, 'leaderOf' | 'replicasOf' | 'transferLeader' | 'changeMembership'>;

export interface NemesisContext {
  readonly nodeCount: number;
  /** This nemesis's own stream, so its choices follow from the seed. */
  readonly rng: SeededRng;
  readonly processes: NodeProcessControl;
  readonly network: NetworkControl;
  /** null when clock faults are not set up for this run. */
  readonly clocks: ClockControl | null;
  readonly cluster: NemesisCluster;
  /** A key the workload is using now, to find a range (and its leader) to aim at. */
  sampleKey(): string;
  /** Options for one driver call, bounded by the nemesis operation timeout. */
  callOptions(): ClusterCallOptions;
}

/** What an action did, recorded in nemesis.jsonl: node indices touched and the particulars. */
export interface NemesisEffect {
  readonly targets: readonly number[];
  readonly detail: JsonValue;
}

export interface Nemesis {
  /** The --nemesis name (e.g. "kill", "partition-ring"). */
  readonly name: string;
  readonly kind: 'fault' | 'one-shot';
  start(context: NemesisContext): Promise<NemesisEffect>;
  /** Undo the fault started last. Never called for one-shot nemeses. */
  stop(context: NemesisContext): Promise<NemesisEffect>;
  /** Undo anything still in effect; idempotent. */
  heal(context: NemesisContext): Promise<void>;
}

export type NemesisErrorCode = 'UNKNOWN_NEMESIS' | 'UNSUPPORTED' | 'NO_TARGET' | 'TIMEOUT';

export class NemesisError extends Error {
  constructor(
    readonly code: NemesisErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'NemesisError';
  }
}
