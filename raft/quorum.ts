import type { LogIndex, NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * Majority quorum arithmetic. A joint configuration is a pair (incoming, outgoing): a decision needs
 * a majority of each. An empty outgoing set imposes no constraint, so the same code serves simple
 * and joint configurations. Learners never appear here.
 */
export type MajorityConfig = ReadonlySet<NodeId>;

/**
 * The largest index acknowledged by a majority of `voters`. An empty config commits everything
 * (it never constrains a joint decision).
 */
export function majorityCommittedIndex(voters: MajorityConfig, acked: (id: NodeId) => LogIndex | undefined): LogIndex {
  const n = voters.size;
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  // Hot path (every append answer): sort into a reused buffer instead of allocating. Single-threaded
  // and not re-entrant (`acked` only reads progress), so one module-level buffer is safe.
  const buf = n <= scratch.length ? scratch : new Float64Array(n);
  let len = 0;
  for (const id of voters) {
    const v = acked(id) ?? 0;
    // Insertion sort, descending: voter sets are small.
    let i = len++;
    while (i > 0 && buf[i - 1]! < v) {
      buf[i] = buf[i - 1]!;
      i--;
    }
    buf[i] = v;
  }
  // The (n/2+1)-th largest value is acknowledged by at least a majority.
  return buf[Math.floor(n / 2)]!;
}

const scratch = new Float64Array(16);

export function majorityVoteResult(voters: MajorityConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = Math.floor(voters.size / 2) + 1;
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

export interface JointConfig {
  readonly incoming: MajorityConfig;
  readonly outgoing: MajorityConfig;
}

export function jointCommittedIndex(cfg: JointConfig, acked: (id: NodeId) => LogIndex | undefined): LogIndex {
  const a = majorityCommittedIndex(cfg.incoming, acked);
  const b = majorityCommittedIndex(cfg.outgoing, acked);
  return Math.min(a, b);
}

export function jointVoteResult(cfg: JointConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVoteResult(cfg.incoming, votes);
  const b = majorityVoteResult(cfg.outgoing, votes);
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

export function jointIds(cfg: JointConfig): Set<NodeId> {
  const ids = new Set<NodeId>(cfg.incoming);
  for (const id of cfg.outgoing) ids.add(id);
  return ids;
}

/** True when the boolean `active(id)` holds for a quorum of the joint config. */
export function jointQuorumActive(cfg: JointConfig, active: (id: NodeId) => boolean): boolean {
  const votes = new Map<NodeId, boolean>();
  for (const id of jointIds(cfg)) votes.set(id, active(id));
  return jointVoteResult(cfg, votes) === 'won';
}
