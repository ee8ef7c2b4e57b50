import { SeededRng } from '../../raft/index.js';
import type { FaultSwitches } from '../../cluster/config/node-options.js';
import { faultPointNames, type FaultPointName } from '../../cluster/ports/fault-points.js';
import type { ReadConsistency } from './sim-client.js';
import type { LinkSettings } from './sim-network.js';

/** How often each kind of fault strikes during the chaos phase (per second of virtual time). */
export interface NemesisRates {
  readonly crashPerSec: number;
  readonly crashLeaderPerSec: number;
  readonly restartDelayMsMax: number;
  readonly pausePerSec: number;
  readonly pauseMsMax: number;
  readonly partitionPerSec: number;
  readonly partitionMsMax: number;
  readonly clockJumpPerSec: number;
  /** Clock rates are drawn in [1 − drift, 1 + drift] (kept inside the lease's margin). */
  readonly clockDriftMax: number;
  readonly membershipPerSec: number;
  readonly transferPerSec: number;
  readonly clientRestartPerSec: number;
  /** An idle period: every client stops long enough for the groups to quiesce. */
  readonly idlePerSec: number;
  /** Chance that the leader of a range is killed in the middle of an idle period. */
  readonly idleLeaderKillChance: number;
}

export interface ClusterSimOptions {
  readonly seed: number;
  readonly stores: number;
  readonly ranges: number;
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly leaseReads: boolean;
  readonly link: LinkSettings;
  readonly warmupMs: number;
  readonly chaosMs: number;
  readonly livenessMsMax: number;
  readonly registerClients: number;
  readonly setClients: number;
  /** Clients that, when they restart, keep their id (a buggy client); they write values no one else does. */
  readonly reuseClients: number;
  readonly thinkMsMean: number;
  readonly opTimeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly routeChance: number;
  readonly staleRouteChance: number;
  /** Read consistencies of the workloads' (linearizable) reads. */
  readonly consistencies: readonly Exclude<ReadConsistency, 'session'>[];
  /** After an acknowledged write, chance of a session read of the same key (checked by index, not in the history). */
  readonly sessionReadChance: number;
  readonly logTruncateThresholdEntries: number;
  readonly logRetainEntries: number;
  readonly nemesis: NemesisRates;
  readonly faultPointRates: Readonly<Record<FaultPointName, number>>;
  /** The node's deliberate bugs (teeth); none in a normal run. */
  readonly switches: FaultSwitches;
}

/** Everything a seed decides, drawn from the seed alone (overrides are applied after the draws, so they do not shift them). */
export function clusterSimOptionsForSeed(seed: number, overrides: Partial<ClusterSimOptions> = {}): ClusterSimOptions {
  const rng = new SeededRng(seed ^ 0xc1a57e);
  const pick = <T>(xs: readonly T[]): T => rng.pick(xs);
  const intensity = pick([0.5, 1, 1, 2]);
  const leaseReads = rng.chance(0.3);
  const electionTimeoutTicks = pick([10, 10, 16]);
  const tickMs = pick([50, 100]);
  // The lease tolerates clock-rate differences well below the margin; keep drift far inside it.
  const clockDriftMax = leaseReads ? 0.02 * rng.float() : 0.1 * rng.float();
  const faultPointRates = Object.fromEntries(faultPointNames.map((n) => [n, 0])) as Record<FaultPointName, number>;
  const pointRate = pick([0, 0.002, 0.01, 0.03]);
  for (const n of faultPointNames) faultPointRates[n] = rng.chance(0.6) ? pointRate * rng.float() * 2 : 0;
  // A point on a rare path (a snapshot's outcome: a few per run) needs a high rate to fire at all.
  faultPointRates['snapshot.lateOutcome'] = rng.chance(0.6) ? 0.2 + 0.3 * rng.float() : 0;
  // Crash points are rarer than the others (each one restarts a node), except in crash-heavy seeds,
  // whose nodes die inside their turns every few seconds: between staging and commit, after the
  // commit, between sends, between answers.
  const crashHeavy = rng.chance(0.25);
  for (const n of ['loop.crashBeforeCommit', 'loop.crashAfterCommit', 'loop.crashMidSend', 'loop.crashMidFinish', 'storage.commitFails'] as const) {
    faultPointRates[n] = crashHeavy ? 0.005 + 0.02 * rng.float() : faultPointRates[n] / 5;
  }
  const base: ClusterSimOptions = {
    seed,
    stores: pick([3, 3, 4, 5]),
    ranges: pick([1, 2, 3]),
    tickMs,
    electionTimeoutTicks,
    leaseReads,
    link: {
      delayMsMin: pick([0.1, 0.5, 1]),
      delayMsMax: pick([2, 5, 20, 60]),
      lossRate: pick([0, 0, 0.01, 0.05]),
      duplicateRate: pick([0, 0.01, 0.05]),
      reorder: rng.chance(0.5),
    },
    warmupMs: 3_000,
    chaosMs: pick([15_000, 25_000, 40_000]),
    livenessMsMax: 40 * electionTimeoutTicks * tickMs,
    registerClients: pick([2, 3, 4]),
    setClients: pick([0, 1, 2]),
    reuseClients: pick([0, 1]),
    thinkMsMean: pick([5, 10, 40]),
    opTimeoutMs: pick([1_500, 3_000]),
    attemptTimeoutMs: pick([300, 1_000]),
    routeChance: pick([0, 0.5, 0.9]),
    staleRouteChance: pick([0, 0.05]),
    consistencies: pick<readonly Exclude<ReadConsistency, 'session'>[]>([['linearizable'], ['linearizable', 'follower']]),
    sessionReadChance: pick([0, 0.1, 0.3]),
    logTruncateThresholdEntries: pick([40, 200, 20_000]),
    logRetainEntries: pick([5, 20]),
    nemesis: {
      crashPerSec: 0.03 * intensity,
      crashLeaderPerSec: 0.03 * intensity,
      restartDelayMsMax: pick([200, 2_000, 8_000]),
      pausePerSec: 0.02 * intensity,
      pauseMsMax: pick([500, 3_000]),
      partitionPerSec: 0.04 * intensity,
      partitionMsMax: pick([1_000, 5_000, 10_000]),
      clockJumpPerSec: 0.02 * intensity,
      clockDriftMax,
      membershipPerSec: pick([0, 0.03, 0.08]),
      transferPerSec: pick([0, 0.03, 0.08]),
      clientRestartPerSec: pick([0, 0.02, 0.05]),
      idlePerSec: pick([0.02, 0.05]),
      idleLeaderKillChance: pick([0.3, 0.7]),
    },
    faultPointRates,
    switches: {},
  };
  const logRetainEntries = Math.min(base.logRetainEntries, base.logTruncateThresholdEntries - 1);
  return { ...base, logRetainEntries, ...overrides };
}
