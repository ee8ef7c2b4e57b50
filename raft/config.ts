import type { Rng } from './rng.js';
import type { LogIndex, NodeId } from './types.js';

/**
 * Fault switches that deliberately break the protocol. They exist only so tests can prove the
 * simulator's invariants catch each bug; every one defaults to off and nothing outside test/ sets them.
 */
export interface RaftTestingKnobs {
  /** Figure 8 hazard: commit any index replicated on a quorum, even from an earlier term. */
  readonly commitCountsOlderTerms?: boolean;
  /** Grant votes without the §5.4.1 up-to-date log check. */
  readonly skipVoteLogCheck?: boolean;
  /** Report hard states without the vote, so a crash forgets whom this node voted for. */
  readonly skipVotePersist?: boolean;
  /** Count learners as voters when computing the commit index. */
  readonly countLearnersInQuorum?: boolean;
}

export interface RaftConfigInput {
  readonly id: NodeId;
  /** Injected randomness (election timeout jitter). */
  readonly rng: Rng;
  /** Ticks without hearing from a leader before a follower campaigns; the actual timeout is randomized in [this, 2×this). */
  readonly electionTimeoutTicks?: number;
  readonly heartbeatIntervalTicks?: number;
  /** Index the application had applied when it restarted; committed entries up to it are not handed out again. */
  readonly appliedIndex?: LogIndex;
  /** §9.6 PreVote: a node only bumps its term after learning it could win. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum for an election timeout steps down; followers that heard from a leader recently refuse to vote. */
  readonly checkQuorum?: boolean;
  /** Serve linearizable reads without a heartbeat round while the leader lease holds (requires checkQuorum). */
  readonly leaseReads?: boolean;
  /**
   * The lease is shorter than the election timeout by this many ticks. One tick is consumed by tick
   * granularity; the rest covers clock-rate drift between nodes: the lease is safe while clock rates
   * differ by less than (leaseDriftMarginTicks − 1) / electionTimeoutTicks. Every member must use the
   * same electionTimeoutTicks and leaseReads.
   */
  readonly leaseDriftMarginTicks?: number;
  /** Upper bound on the entry bytes of one append message (at least one entry is always sent). */
  readonly appendBytesMax?: number;
  /** Upper bound on unacknowledged append messages per follower in replicate state. */
  readonly inflightMessagesMax?: number;
  /** Upper bound on unacknowledged entry bytes per follower. */
  readonly inflightBytesMax?: number;
  /** Proposals are refused while the leader holds more than this many uncommitted entry bytes. */
  readonly uncommittedBytesMax?: number;
  /** Upper bound on the bytes of committed entries handed out in one Ready. */
  readonly committedBytesPerReadyMax?: number;
  /** Let an idle group go quiet (no heartbeats, no ticking) until a message or proposal wakes it. */
  readonly quiesce?: boolean;
  /**
   * Refuse a membership change (CONF_CHANGE_UNSAFE) after which some majority of the new
   * configuration could not be formed from members that are caught up now: the leader, and members
   * it heard from within an election timeout that acknowledged an entry of this leader (so they hold
   * a log and can vote). An application whose new members cannot vote before their first snapshot
   * needs it: adding voters faster than they catch up leaves a group that can never elect a leader.
   * Leaving a joint configuration is never refused (it only lowers what a commit needs).
   */
  readonly strictConfChange?: boolean;
  readonly testingKnobs?: RaftTestingKnobs;
}

export type RaftConfig = Required<Omit<RaftConfigInput, 'testingKnobs'>> & { readonly testingKnobs: RaftTestingKnobs };

export class RaftConfigError extends Error {
  readonly code = 'RAFT_CONFIG_INVALID' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RaftConfigError';
  }
}

const defaults = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  appliedIndex: 0,
  preVote: true,
  checkQuorum: true,
  leaseReads: false,
  leaseDriftMarginTicks: 2,
  appendBytesMax: 1 << 20,
  inflightMessagesMax: 256,
  inflightBytesMax: 32 << 20,
  uncommittedBytesMax: 64 << 20,
  committedBytesPerReadyMax: 16 << 20,
  quiesce: true,
  strictConfChange: false,
} as const;

/** Fills defaults, validates and freezes. Invalid configuration is a typed error, not a crash later. */
export function resolveRaftConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = Object.freeze({
    ...defaults,
    ...stripUndefined(input),
    id: input.id,
    rng: input.rng,
    testingKnobs: Object.freeze({ ...input.testingKnobs }),
  });
  const positiveInt = (name: keyof RaftConfig, v: number): void => {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RaftConfigError(`${name} must be a positive integer, got ${v}`);
  };
  if (!Number.isSafeInteger(c.id) || c.id <= 0) throw new RaftConfigError(`id must be a positive integer, got ${c.id}`);
  positiveInt('electionTimeoutTicks', c.electionTimeoutTicks);
  positiveInt('heartbeatIntervalTicks', c.heartbeatIntervalTicks);
  positiveInt('appendBytesMax', c.appendBytesMax);
  positiveInt('inflightMessagesMax', c.inflightMessagesMax);
  positiveInt('inflightBytesMax', c.inflightBytesMax);
  positiveInt('uncommittedBytesMax', c.uncommittedBytesMax);
  positiveInt('committedBytesPerReadyMax', c.committedBytesPerReadyMax);
  if (!Number.isSafeInteger(c.appliedIndex) || c.appliedIndex < 0) throw new RaftConfigError(`appliedIndex must be ≥ 0`);
  if (c.electionTimeoutTicks <= c.heartbeatIntervalTicks) {
    throw new RaftConfigError('electionTimeoutTicks must be greater than heartbeatIntervalTicks');
  }
  if (c.leaseReads && !c.checkQuorum) throw new RaftConfigError('leaseReads requires checkQuorum');
  if (!Number.isSafeInteger(c.leaseDriftMarginTicks) || c.leaseDriftMarginTicks < 0 || c.leaseDriftMarginTicks >= c.electionTimeoutTicks) {
    throw new RaftConfigError('leaseDriftMarginTicks must be in [0, electionTimeoutTicks)');
  }
  if (c.leaseReads && c.leaseDriftMarginTicks < 1) {
    // Ticks are whole units: a follower may receive a heartbeat just before its own tick, so one
    // tick of the margin is always consumed by granularity. The clock-rate drift the lease
    // tolerates is (leaseDriftMarginTicks − 1) / electionTimeoutTicks.
    throw new RaftConfigError('leaseDriftMarginTicks must be at least 1 with leaseReads (one tick is lost to tick granularity)');
  }
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && k !== 'testingKnobs') (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
