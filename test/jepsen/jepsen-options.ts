/**
 * Everything a harness run is parameterized by, with the defaults the command line uses.
 */
import { REGISTER_MAX_STATES_PER_KEY_DEFAULT } from './checkers/register.js';
import type { ClockVia } from './clock-control.js';
import type { PartitionModePolicy } from './nemesis/partition-nemesis.js';

export interface JepsenOptions {
  readonly workload: string;
  /** Nemesis names (see nemesis-registry.ts); empty = no faults. */
  readonly nemeses: readonly string[];
  /** How long the workload and nemeses run, in seconds. */
  readonly timeS: number;
  /** Concurrent client workers. */
  readonly concurrency: number;
  readonly seed: number;
  /** The run directory is created inside this one. */
  readonly outDir: string;
  /** Use exactly this run directory instead (it must not exist or be empty). */
  readonly runDir?: string;
  /** Cluster driver name (see cluster-drivers.ts). */
  readonly cluster: string;
  readonly nodeCount: number;
  /** Test-only fault switch of the database under test (fake: "stale-reads"), or null. */
  readonly bug: string | null;
  /** Run the database with mutual TLS, as its production start does (rangekv: certificates made per run). */
  readonly tls: boolean;
  /** Target operation rate over all workers, ops/s (0 = as fast as they can). */
  readonly rateOpsPerS: number;
  readonly opTimeoutMs: number;
  readonly faultSMin: number;
  readonly faultSMax: number;
  readonly healSMin: number;
  readonly healSMax: number;
  /** Bound on waiting for the cluster to serve again after healing. */
  readonly recoveryTimeoutS: number;
  /** Bound on starting the cluster. */
  readonly setupTimeoutS: number;
  readonly clockVia: ClockVia;
  readonly partitionMode: PartitionModePolicy;
  /** Register checker: search budget per key (see check --max-states). */
  readonly maxStatesPerKey: number;
  /** May the harness apt-get install libfaketime when clock faults need it? */
  readonly installFaketime: boolean;
  /** Progress lines for people (the CLI prints them; tests may drop them). */
  readonly say?: (line: string) => void;
}

export const JEPSEN_DEFAULTS = {
  workload: 'register',
  nemeses: [] as readonly string[],
  timeS: 60,
  concurrency: 10,
  seed: 1,
  outDir: 'runs',
  cluster: 'rangekv',
  nodeCount: 5,
  bug: null,
  tls: false,
  rateOpsPerS: 200,
  opTimeoutMs: 2000,
  faultSMin: 2,
  faultSMax: 10,
  healSMin: 2,
  healSMax: 10,
  recoveryTimeoutS: 30,
  setupTimeoutS: 60,
  clockVia: 'faketime',
  partitionMode: 'mixed',
  maxStatesPerKey: REGISTER_MAX_STATES_PER_KEY_DEFAULT,
  installFaketime: true,
} as const satisfies Omit<JepsenOptions, 'runDir' | 'say'>;

export function withDefaults(partial: Partial<JepsenOptions>): JepsenOptions {
  return { ...JEPSEN_DEFAULTS, ...partial };
}
