import { invariant } from './assert.js';
import { Progress } from './progress.js';
import { jointCommittedIndex, jointIds, jointVoteResult, type JointConfig, type VoteResult } from './quorum.js';
import type { ConfState, LogIndex, NodeId } from './types.js';

/** The membership the leader replicates to: voters as a (possibly joint) pair, plus learners. */
export interface TrackerConfig {
  readonly voters: JointConfig;
  /** Non-voting members: they receive the log but never count toward a commit or an election. */
  readonly learners: ReadonlySet<NodeId>;
  /** Outgoing voters that turn into learners when the joint config is left. */
  readonly learnersNext: ReadonlySet<NodeId>;
  readonly autoLeave: boolean;
}

export const emptyTrackerConfig: TrackerConfig = {
  voters: { incoming: new Set(), outgoing: new Set() },
  learners: new Set(),
  learnersNext: new Set(),
  autoLeave: false,
};

export function isJoint(cfg: TrackerConfig): boolean {
  return cfg.voters.outgoing.size > 0;
}

export function confStateOf(cfg: TrackerConfig): ConfState {
  const sorted = (s: ReadonlySet<NodeId>): NodeId[] => [...s].sort((a, b) => a - b);
  return {
    voters: sorted(cfg.voters.incoming),
    votersOutgoing: sorted(cfg.voters.outgoing),
    learners: sorted(cfg.learners),
    learnersNext: sorted(cfg.learnersNext),
    autoLeave: cfg.autoLeave,
  };
}

export type ProgressMap = Map<NodeId, Progress>;

/**
 * Per-member replication progress plus votes of the current election. Quorum questions (what is
 * committed, who won, is a quorum reachable) are answered against the joint voter config only;
 * the `countLearnersInQuorum` knob exists solely so tests can prove the simulator catches that bug.
 */
export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig;
  progress: ProgressMap = new Map();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    readonly inflightCountMax: number,
    readonly inflightBytesMax: number,
    private readonly countLearnersInQuorum: boolean,
  ) {}

  /** Largest index replicated on a quorum. */
  committed(): LogIndex {
    return jointCommittedIndex(this.quorumConfig(), (id) => this.progress.get(id)?.match);
  }

  /** Largest value v such that a quorum reports a value ≥ v through `valueOf`. */
  quorumMin(valueOf: (id: NodeId, pr: Progress) => number): number {
    return jointCommittedIndex(this.quorumConfig(), (id) => {
      const pr = this.progress.get(id);
      return pr === undefined ? undefined : valueOf(id, pr);
    });
  }

  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.outgoing.size === 0;
  }

  voterIds(): Set<NodeId> {
    return jointIds(this.config.voters);
  }

  isVoter(id: NodeId): boolean {
    return this.config.voters.incoming.has(id) || this.config.voters.outgoing.has(id);
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voterIds()) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config.voters, this.votes) };
  }

  resetVotes(): void {
    this.votes.clear();
  }

  private quorumConfig(): JointConfig {
    if (!this.countLearnersInQuorum || this.config.learners.size === 0) return this.config.voters;
    const incoming = new Set(this.config.voters.incoming);
    for (const id of this.config.learners) incoming.add(id);
    return { incoming, outgoing: this.config.voters.outgoing };
  }

  confState(): ConfState {
    return confStateOf(this.config);
  }

  /** Checks that config and progress agree; called after every membership switch. */
  assertConsistent(): void {
    const { voters, learners, learnersNext } = this.config;
    for (const id of jointIds(voters)) invariant(this.progress.has(id), () => `voter ${id} has no progress`);
    for (const id of learners) {
      invariant(this.progress.get(id)?.isLearner === true, () => `learner ${id} not marked learner`);
      invariant(!voters.incoming.has(id) && !voters.outgoing.has(id), () => `learner ${id} is also a voter`);
    }
    for (const id of learnersNext) {
      invariant(voters.outgoing.has(id), () => `next learner ${id} is not an outgoing voter`);
      invariant(!voters.incoming.has(id), () => `next learner ${id} is also an incoming voter`);
      invariant(!learners.has(id), () => `next learner ${id} is already a learner`);
    }
    for (const [id, pr] of this.progress) {
      const known = voters.incoming.has(id) || voters.outgoing.has(id) || learners.has(id);
      invariant(known, () => `progress for unknown member ${id}`);
      invariant(pr.isLearner === learners.has(id), () => `member ${id} learner flag disagrees with config`);
    }
    if (voters.outgoing.size === 0) {
      invariant(learnersNext.size === 0, 'learnersNext outside a joint config');
      invariant(!this.config.autoLeave, 'autoLeave outside a joint config');
    }
  }
}
