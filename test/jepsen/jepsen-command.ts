/**
 * The harness's command line, parsed into JepsenOptions (kept apart from jepsen-cli.ts, the
 * process entry point, so tests can parse without running):
 *
 *   jepsen --workload register|set --nemesis kill,partition,clock --time 60 --concurrency 10
 *          --seed 7 [--out runs] [--cluster rangekv|fake] [--nodes 5] [--bug stale-reads] ...
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ClockVia } from './clock-control.js';
import { clusterDriverNames } from './cluster-drivers.js';
import { JEPSEN_DEFAULTS, type JepsenOptions } from './jepsen-options.js';
import { NEMESIS_NAMES, parseNemesisList } from './nemesis/nemesis-registry.js';
import type { PartitionModePolicy } from './nemesis/partition-nemesis.js';
import { PLANNED_WORKLOADS, WORKLOAD_NAMES } from './workloads/workload-registry.js';

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number');
  return value;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function nonNegativeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return value;
}

function integer(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('expected an integer');
  return value;
}

/** "2-10" → [2, 10]; "5" → [5, 5]. Seconds. */
export function parseRangeS(text: string): [number, number] {
  const parts = text.split('-').map((p) => Number(p.trim()));
  const [low, high] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (parts.length > 2 || low === undefined || high === undefined || !Number.isFinite(low) || !Number.isFinite(high) || low < 0 || high < low) {
    throw new InvalidArgumentError('expected seconds as MIN-MAX (e.g. 2-10) or one number');
  }
  return [low, high];
}

function nemesisList(text: string): string[] {
  try {
    return parseNemesisList(text);
  } catch (error: unknown) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

interface RawOptions {
  readonly workload: string;
  readonly nemesis: string[];
  readonly time: number;
  readonly concurrency: number;
  readonly seed?: number;
  readonly out: string;
  readonly runDir?: string;
  readonly cluster: string;
  readonly nodes: number;
  readonly bug?: string;
  readonly tls?: boolean;
  readonly fakeBug?: string;
  readonly rate: number;
  readonly opTimeoutMs: number;
  readonly faultS: [number, number];
  readonly healS: [number, number];
  readonly recoveryTimeout: number;
  readonly setupTimeout: number;
  readonly clock: ClockVia;
  readonly partitionMode: PartitionModePolicy;
  readonly maxStates: number;
  readonly installFaketime: boolean;
}

/** The options every harness command shares (the single run and the suite add their own). */
export function addSharedOptions(program: Command): Command {
  return program
    .option('--concurrency <c>', 'concurrent client workers', positiveInteger, JEPSEN_DEFAULTS.concurrency)
    .option('--seed <s>', 'seed of every random choice (default: random, printed)', integer)
    .option('--out <dir>', 'directory the run directory is created in', JEPSEN_DEFAULTS.outDir)
    .option('--cluster <driver>', `cluster driver: ${clusterDriverNames().join(', ')}`, JEPSEN_DEFAULTS.cluster)
    .option('--nodes <n>', 'node processes', positiveInteger, JEPSEN_DEFAULTS.nodeCount)
    .option('--bug <name>', 'switch on a test-only bug in the database under test (rangekv: stale-reads, skip-dedup, ack-before-commit; fake: stale-reads)')
    .option('--fake-bug <name>', 'the same as --bug, for the fake cluster')
    .option('--tls', 'run the cluster with mutual TLS (rangekv: certificates made for the run; clients and nemeses use the root certificate)')
    .option('--rate <ops>', 'target operations per second over all workers (0 = unthrottled)', nonNegativeNumber, JEPSEN_DEFAULTS.rateOpsPerS)
    .option('--op-timeout-ms <ms>', 'an operation still running after this is recorded as info', positiveInteger, JEPSEN_DEFAULTS.opTimeoutMs)
    .option('--fault-s <min-max>', 'how long each fault lasts, seconds', parseRangeS, [JEPSEN_DEFAULTS.faultSMin, JEPSEN_DEFAULTS.faultSMax])
    .option('--heal-s <min-max>', 'quiet time between faults, seconds', parseRangeS, [JEPSEN_DEFAULTS.healSMin, JEPSEN_DEFAULTS.healSMax])
    .option('--recovery-timeout <s>', 'bound on waiting for the cluster to serve again after healing', positiveNumber, JEPSEN_DEFAULTS.recoveryTimeoutS)
    .option('--setup-timeout <s>', 'bound on starting the cluster', positiveNumber, JEPSEN_DEFAULTS.setupTimeoutS)
    .addOption(new Option('--clock <via>', 'how the clock nemesis moves clocks').choices(['faketime', 'hook']).default(JEPSEN_DEFAULTS.clockVia))
    .addOption(new Option('--partition-mode <mode>', 'blocked links: blackhole (silence), reset (refused), or mixed').choices(['blackhole', 'reset', 'mixed']).default(JEPSEN_DEFAULTS.partitionMode))
    .option('--max-states <n>', 'register checker: search budget per key', positiveInteger, JEPSEN_DEFAULTS.maxStatesPerKey)
    .option('--no-install-faketime', 'never apt-get install libfaketime (fail instead)');
}

export function jepsenCommand(): Command {
  const program = new Command('jepsen')
    .description(`Run a workload against a cluster under faults and check the history. Exit 0 valid, 1 invalid, 2 unknown, 3 error.
Workloads: ${WORKLOAD_NAMES.join(', ')} (planned: ${Object.keys(PLANNED_WORKLOADS).join(', ')}). Nemeses: ${NEMESIS_NAMES.join(', ')}, or none.`)
    .option('--workload <w>', 'register or set', JEPSEN_DEFAULTS.workload)
    .option('--nemesis <list>', 'comma-separated nemeses, or none', nemesisList, [])
    .option('--time <seconds>', 'how long the workload runs under faults', positiveNumber, JEPSEN_DEFAULTS.timeS)
    .option('--run-dir <dir>', 'use exactly this run directory (instead of a new one under --out)');
  return addSharedOptions(program);
}

/** The seed used when none is given: random, so repeated runs explore different schedules. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export function optionsFromRaw(raw: RawOptions, overrides: Partial<JepsenOptions> = {}): JepsenOptions {
  if (raw.bug !== undefined && raw.fakeBug !== undefined && raw.bug !== raw.fakeBug) {
    throw new InvalidArgumentError('--bug and --fake-bug disagree');
  }
  return {
    workload: raw.workload,
    nemeses: raw.nemesis,
    timeS: raw.time,
    concurrency: raw.concurrency,
    seed: raw.seed ?? randomSeed(),
    outDir: raw.out,
    ...(raw.runDir === undefined ? {} : { runDir: raw.runDir }),
    cluster: raw.cluster,
    nodeCount: raw.nodes,
    bug: raw.bug ?? raw.fakeBug ?? null,
    tls: raw.tls === true,
    rateOpsPerS: raw.rate,
    opTimeoutMs: raw.opTimeoutMs,
    faultSMin: raw.faultS[0],
    faultSMax: raw.faultS[1],
    healSMin: raw.healS[0],
    healSMax: raw.healS[1],
    recoveryTimeoutS: raw.recoveryTimeout,
    setupTimeoutS: raw.setupTimeout,
    clockVia: raw.clock,
    partitionMode: raw.partitionMode,
    maxStatesPerKey: raw.maxStates,
    installFaketime: raw.installFaketime,
    ...overrides,
  };
}

/** Parses argv (without "node script"); throws commander's errors (exitOverride). */
export function parseJepsenArgs(argv: readonly string[], configure?: (program: Command) => void): JepsenOptions {
  const program = jepsenCommand().exitOverride();
  configure?.(program);
  program.parse([...argv], { from: 'user' });
  return optionsFromRaw(program.opts<RawOptions>());
}
