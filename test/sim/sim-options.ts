import { SeededRng, type RaftTestingKnobs } from '../../raft/index.js';

/**
 * Everything that varies between seeds: cluster shape, raft settings and the fault mix. Drawn from
 * the seed alone, so a seed names a whole scenario.
 */
/**
 * Fault profiles bias a seed towards schedules that rare bugs need:
 * - mixed: everything at moderate rates;
 * - leaderChurn: leaders are killed soon after winning, so many terms each leave a partly
 *   replicated tail (the Figure 8 shape);
 * - electionStorm: short timeouts, fast crash-restarts in the middle of Readies and slow, duplicated
 *   messages, so votes race with crashes.
 */
export type SimProfile = 'mixed' | 'leaderChurn' | 'electionStorm';

export interface SimOptions {
  readonly seed: number;
  readonly profile: SimProfile;
  readonly voters: number;
  readonly learners: number;
  /** Sub-steps per tick: message delays have finer granularity than ticks. */
  readonly stepsPerTick: number;
  readonly chaosTicks: number;
  /**
   * Ticks allowed after healing for a leader to be elected and a proposal to commit everywhere,
   * on top of the time needed to ship the backlog (entries not yet applied everywhere).
   */
  readonly livenessTicksMax: number;

  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly leaseReads: boolean;
  readonly leaseDriftMarginTicks: number;
  readonly quiesce: boolean;
  readonly appendBytesMax: number;
  readonly inflightMessagesMax: number;
  readonly uncommittedBytesMax: number;

  readonly delayStepsMax: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  /** Each node ticks at a rate in [1 - clockDriftMax, 1]. Kept inside the lease margin. */
  readonly clockDriftMax: number;

  readonly writeRatePerStep: number;
  readonly readRatePerStep: number;
  readonly crashRatePerTick: number;
  /** Per tick: crash the current leader (on top of crashRatePerTick). */
  readonly leaderKillRatePerTick: number;
  /** Fault point: crash a node right after it sent a vote grant, restarting it on the next tick. */
  readonly crashAfterVoteRate: number;
  /** Fault point: crash a leader right after its commit index advanced. */
  readonly crashAfterCommitRate: number;
  /** Fault point: crash a node right after it won an election. */
  readonly crashAfterElectionRate: number;
  readonly restartDelayTicksMax: number;
  readonly pauseRatePerTick: number;
  readonly partitionRatePerTick: number;
  readonly confChangeRatePerTick: number;
  readonly transferRatePerTick: number;
  readonly snapshotRatePerTick: number;
  /** Probability that a crash hits in the middle of processing a Ready (after persisting, or after sending). */
  readonly crashMidReadyRate: number;

  readonly knobs: RaftTestingKnobs;
}

export function optionsForSeed(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  const rng = new SeededRng(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => rng.pick(xs);
  // Drawn even when overridden, so that the rest of a seed's choices do not shift.
  const drawn = pick<SimProfile>(['mixed', 'mixed', 'leaderChurn', 'leaderChurn', 'electionStorm']);
  const profile = overrides.profile ?? drawn;
  const intensity = pick([0.3, 1, 1, 2, 3]);
  const electionTimeoutTicks = profile === 'electionStorm' ? pick([4, 6]) : pick([6, 10, 10, 16]);
  const checkQuorum = rng.chance(0.75);
  const leaseReads = checkQuorum && rng.chance(0.4);
  const leaseDriftMarginTicks = Math.max(2, Math.floor(electionTimeoutTicks / 5));
  const base: SimOptions = {
    seed,
    profile,
    voters: pick([3, 3, 5]),
    learners: pick([0, 0, 1, 2]),
    stepsPerTick: 4,
    chaosTicks: pick([300, 500, 700]),
    livenessTicksMax: 40 * electionTimeoutTicks,
    electionTimeoutTicks,
    heartbeatIntervalTicks: pick([1, 1, 2]),
    preVote: rng.chance(0.7),
    checkQuorum,
    leaseReads,
    leaseDriftMarginTicks,
    quiesce: rng.chance(0.5),
    appendBytesMax: pick([1, 64, 4096, 1 << 20]),
    inflightMessagesMax: pick([1, 4, 256]),
    uncommittedBytesMax: pick([200, 1 << 20]),
    delayStepsMax: pick([1, 4, 12, 30]),
    lossRate: pick([0, 0.01, 0.05, 0.15]) * Math.min(intensity, 1.5),
    duplicateRate: pick([0, 0.02, 0.1]),
    // The lease tolerates clock-rate differences below (margin − 1) / electionTimeout (one tick of the
    // margin is lost to tick granularity); stay inside that, or the simulator would fault the config.
    clockDriftMax: leaseReads ? ((0.9 * (leaseDriftMarginTicks - 1)) / electionTimeoutTicks) * rng.float() : 0.2 * rng.float(),
    writeRatePerStep: pick([0.05, 0.2, 0.5]),
    readRatePerStep: pick([0.02, 0.1, 0.3]),
    crashRatePerTick: 0.01 * intensity,
    leaderKillRatePerTick: 0,
    crashAfterVoteRate: 0,
    crashAfterCommitRate: 0,
    crashAfterElectionRate: 0,
    restartDelayTicksMax: pick([5, 30, 80]),
    pauseRatePerTick: 0.004 * intensity,
    partitionRatePerTick: 0.01 * intensity,
    confChangeRatePerTick: pick([0, 0.01, 0.03]),
    transferRatePerTick: pick([0, 0.005, 0.02]),
    snapshotRatePerTick: pick([0.005, 0.03]),
    crashMidReadyRate: 0.3,
    knobs: {},
  };
  const profiled = withProfile(base, rng);
  // A round trip must stay well inside the election timeout, or no leader can hold on (that is a
  // misconfiguration, not a fault the protocol should mask): cap one-way delay at a third of it.
  const delayCapSteps = Math.max(1, Math.floor((profiled.electionTimeoutTicks * profiled.stepsPerTick) / 3));
  return { ...profiled, delayStepsMax: Math.min(profiled.delayStepsMax, delayCapSteps), ...overrides };
}

function withProfile(o: SimOptions, rng: SeededRng): SimOptions {
  switch (o.profile) {
    case 'mixed':
      return o;
    case 'leaderChurn':
      return {
        ...o,
        // Three voters: with five, the would-be usurper is rarely electable (measured: ~10× rarer).
        voters: rng.pick([3, 3, 3, 5]),
        appendBytesMax: rng.pick([1, 1, 1, 64]),
        inflightMessagesMax: rng.pick([1, 4]),
        leaderKillRatePerTick: rng.pick([0.02, 0.05]),
        crashAfterCommitRate: rng.pick([0.3, 0.5]),
        crashAfterElectionRate: rng.pick([0.3, 0.5]),
        restartDelayTicksMax: rng.pick([5, 10]),
        writeRatePerStep: 0.5,
        partitionRatePerTick: 0.02,
      };
    case 'electionStorm':
      return {
        ...o,
        preVote: rng.chance(0.3),
        crashRatePerTick: 0.06,
        crashMidReadyRate: 0.9,
        crashAfterVoteRate: rng.pick([0.2, 0.5]),
        restartDelayTicksMax: 2,
        duplicateRate: 0.2,
        delayStepsMax: 8,
        partitionRatePerTick: 0.005,
      };
  }
}
