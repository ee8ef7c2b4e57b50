import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jointCommittedIndex,
  jointQuorumActive,
  jointVoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
  type JointConfig,
  type MajorityConfig,
  type VoteResult,
} from '../../raft/quorum.js';
import { nodeId, type LogIndex, type NodeId } from '../../raft/types.js';

const set = (...xs: number[]): MajorityConfig => new Set(xs.map(nodeId));
const ackedFrom =
  (m: Record<number, LogIndex>) =>
  (id: NodeId): LogIndex | undefined =>
    m[id];
const votesFrom = (m: Record<number, boolean>): Map<NodeId, boolean> => new Map(Object.entries(m).map(([k, v]) => [nodeId(Number(k)), v]));

// ---------------------------------------------------------------------------------------------
// Brute-force models. Deliberately naive: they restate the definitions, not the implementation.

/** §5.3/§5.4: the largest i such that more than half of the voters acknowledged ≥ i. Missing acks count as 0. */
function modelCommitted(voters: ReadonlySet<NodeId>, acked: (id: NodeId) => LogIndex | undefined): LogIndex {
  if (voters.size === 0) return Number.MAX_SAFE_INTEGER;
  const acks = [...voters].map((v) => acked(v) ?? 0);
  const need = Math.floor(voters.size / 2) + 1;
  let best = 0;
  for (let i = 0; i <= Math.max(...acks); i++) {
    if (acks.filter((a) => a >= i).length >= need) best = i;
  }
  return best;
}

/** Every way the still-missing votes could fall. */
function completions(ids: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): Map<NodeId, boolean>[] {
  const missing = ids.filter((id) => !votes.has(id));
  const out: Map<NodeId, boolean>[] = [];
  for (let mask = 0; mask < 1 << missing.length; mask++) {
    const m = new Map(votes);
    missing.forEach((id, bit) => m.set(id, (mask & (1 << bit)) !== 0));
    out.push(m);
  }
  return out;
}

/** Won iff every completion wins, lost iff none does, pending otherwise. `wins` decides a complete vote. */
function modelOutcome(ids: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>, wins: (complete: ReadonlyMap<NodeId, boolean>) => boolean): VoteResult {
  const all = completions(ids, votes).map(wins);
  if (all.every((w) => w)) return 'won';
  if (all.every((w) => !w)) return 'lost';
  return 'pending';
}

function majorityWins(voters: ReadonlySet<NodeId>, complete: ReadonlyMap<NodeId, boolean>): boolean {
  if (voters.size === 0) return true;
  return [...voters].filter((v) => complete.get(v) === true).length * 2 > voters.size;
}

function modelMajorityVote(voters: ReadonlySet<NodeId>, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  return modelOutcome([...voters], votes, (c) => majorityWins(voters, c));
}

function modelJointVote(cfg: JointConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const ids = [...new Set([...cfg.incoming, ...cfg.outgoing])];
  return modelOutcome(ids, votes, (c) => majorityWins(cfg.incoming, c) && majorityWins(cfg.outgoing, c));
}

// ---------------------------------------------------------------------------------------------
// Generators: ids from a small universe so configs overlap (the interesting joint cases).

const idsArb = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 7 }).map((xs) => new Set(xs.map(nodeId)) as ReadonlySet<NodeId>);
const acksArb = fc.dictionary(
  fc.integer({ min: 1, max: 9 }).map(String),
  fc.integer({ min: 0, max: 12 }),
  { maxKeys: 9 },
).map((d) => (id: NodeId): LogIndex | undefined => d[String(id)]);
const votesArb = fc.dictionary(fc.integer({ min: 1, max: 9 }).map(String), fc.boolean(), { maxKeys: 9 }).map(
  (d) => new Map(Object.entries(d).map(([k, v]) => [nodeId(Number(k)), v])) as ReadonlyMap<NodeId, boolean>,
);
const jointArb = fc.record({ incoming: idsArb, outgoing: idsArb });

describe('majorityCommittedIndex', () => {
  it('examples: odd and even sizes need floor(n/2)+1 acknowledgements', () => {
    expect(majorityCommittedIndex(set(1), ackedFrom({ 1: 7 }))).toBe(7);
    expect(majorityCommittedIndex(set(1, 2, 3), ackedFrom({ 1: 100, 2: 101, 3: 99 }))).toBe(100);
    expect(majorityCommittedIndex(set(1, 2, 3), ackedFrom({ 1: 5, 2: 5, 3: 1 }))).toBe(5);
    // Four voters: three must hold the index.
    expect(majorityCommittedIndex(set(1, 2, 3, 4), ackedFrom({ 1: 9, 2: 8, 3: 7, 4: 1 }))).toBe(7);
    expect(majorityCommittedIndex(set(1, 2, 3, 4), ackedFrom({ 1: 9, 2: 9, 3: 1, 4: 1 }))).toBe(1);
  });

  it('a voter with no acknowledgement counts as 0; acks from non-voters are ignored', () => {
    expect(majorityCommittedIndex(set(1, 2, 3), ackedFrom({ 1: 10 }))).toBe(0);
    expect(majorityCommittedIndex(set(1, 2, 3), ackedFrom({ 1: 10, 2: 4, 7: 99, 8: 99 }))).toBe(4);
  });

  it('an empty config commits everything, so it never constrains a joint decision', () => {
    expect(majorityCommittedIndex(set(), ackedFrom({ 1: 3 }))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('property: equals the brute-force max i with |{v : acked(v) ≥ i}| ≥ n/2+1', () => {
    fc.assert(
      fc.property(idsArb, acksArb, (voters, acked) => {
        expect(majorityCommittedIndex(voters, acked)).toBe(modelCommitted(voters, acked));
      }),
      { numRuns: 500 },
    );
  });

  it('property: large groups too (beyond any fixed scratch buffer), and calls do not leak into each other', () => {
    const bigIds = fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40, size: 'max' }).map((xs) => new Set(xs.map(nodeId)) as ReadonlySet<NodeId>);
    const bigAcks = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 60, maxLength: 60 }).map((a) => (id: NodeId): LogIndex | undefined => a[id - 1]);
    fc.assert(
      fc.property(bigIds, bigAcks, idsArb, acksArb, (big, bigAcked, small, smallAcked) => {
        expect(majorityCommittedIndex(big, bigAcked)).toBe(modelCommitted(big, bigAcked));
        expect(majorityCommittedIndex(small, smallAcked)).toBe(modelCommitted(small, smallAcked));
        expect(majorityCommittedIndex(big, bigAcked)).toBe(modelCommitted(big, bigAcked));
      }),
      { numRuns: 200 },
    );
  });

  it('property: monotone — raising one voter’s acknowledgement never lowers the committed index', () => {
    fc.assert(
      fc.property(idsArb, acksArb, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 5 }), (voters, acked, who, bump) => {
        const before = majorityCommittedIndex(voters, acked);
        const raised = (id: NodeId): LogIndex | undefined => (id === who ? (acked(id) ?? 0) + bump : acked(id));
        expect(majorityCommittedIndex(voters, raised)).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe('majorityVoteResult', () => {
  it('examples', () => {
    expect(majorityVoteResult(set(1, 2, 3), votesFrom({ 1: true, 2: true }))).toBe('won');
    expect(majorityVoteResult(set(1, 2, 3), votesFrom({ 1: true }))).toBe('pending');
    expect(majorityVoteResult(set(1, 2, 3), votesFrom({ 1: true, 2: false }))).toBe('pending');
    expect(majorityVoteResult(set(1, 2, 3), votesFrom({ 1: false, 2: false }))).toBe('lost');
    // Four voters: two grants are not enough, two rejections already lose.
    expect(majorityVoteResult(set(1, 2, 3, 4), votesFrom({ 1: true, 2: true, 3: false }))).toBe('pending');
    expect(majorityVoteResult(set(1, 2, 3, 4), votesFrom({ 1: true, 2: true, 3: false, 4: false }))).toBe('lost');
    // Votes from non-members do not count.
    expect(majorityVoteResult(set(1, 2, 3), votesFrom({ 1: true, 5: true, 6: true }))).toBe('pending');
  });

  it('an empty config is won (no constraint)', () => {
    expect(majorityVoteResult(set(), votesFrom({}))).toBe('won');
    expect(majorityVoteResult(set(), votesFrom({ 1: false }))).toBe('won');
  });

  it('property: won iff every completion of the missing votes wins, lost iff none does', () => {
    fc.assert(
      fc.property(idsArb, votesArb, (voters, votes) => {
        expect(majorityVoteResult(voters, votes)).toBe(modelMajorityVote(voters, votes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('jointCommittedIndex', () => {
  it('is the minimum of both majorities (§6 joint consensus: agreement needs both)', () => {
    const cfg: JointConfig = { incoming: set(1, 2, 3), outgoing: set(3, 4, 5) };
    const acked = ackedFrom({ 1: 10, 2: 10, 3: 6, 4: 2, 5: 2 });
    expect(jointCommittedIndex(cfg, acked)).toBe(2);
    expect(jointCommittedIndex({ incoming: set(1, 2, 3), outgoing: set() }, acked)).toBe(10);
  });

  it('with both halves empty it is the "everything" sentinel', () => {
    expect(jointCommittedIndex({ incoming: set(), outgoing: set() }, ackedFrom({}))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('property: equals min(model(incoming), model(outgoing)); an empty outgoing half equals the simple majority', () => {
    fc.assert(
      fc.property(jointArb, acksArb, (cfg, acked) => {
        const expected = Math.min(modelCommitted(cfg.incoming, acked), modelCommitted(cfg.outgoing, acked));
        expect(jointCommittedIndex(cfg, acked)).toBe(expected);
        expect(jointCommittedIndex({ incoming: cfg.incoming, outgoing: new Set() }, acked)).toBe(modelCommitted(cfg.incoming, acked));
        // Symmetric in its halves.
        expect(jointCommittedIndex({ incoming: cfg.outgoing, outgoing: cfg.incoming }, acked)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jointVoteResult', () => {
  it('examples: a loss in either half loses; a win needs both', () => {
    const cfg: JointConfig = { incoming: set(1, 2, 3), outgoing: set(4, 5, 6) };
    expect(jointVoteResult(cfg, votesFrom({ 1: true, 2: true, 4: true, 5: true }))).toBe('won');
    expect(jointVoteResult(cfg, votesFrom({ 1: true, 2: true, 4: true }))).toBe('pending');
    expect(jointVoteResult(cfg, votesFrom({ 1: true, 2: true, 4: false, 5: false }))).toBe('lost');
    expect(jointVoteResult(cfg, votesFrom({ 1: false, 2: false }))).toBe('lost');
  });

  it('property: agrees with enumerating every completion of the missing votes over the union of both halves', () => {
    fc.assert(
      fc.property(jointArb, votesArb, (cfg, votes) => {
        expect(jointVoteResult(cfg, votes)).toBe(modelJointVote(cfg, votes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('jointQuorumActive', () => {
  it('needs an active majority in each half', () => {
    const cfg: JointConfig = { incoming: set(1, 2, 3), outgoing: set(3, 4, 5) };
    const activeOf = (...xs: number[]) => (id: NodeId) => xs.includes(id);
    expect(jointQuorumActive(cfg, activeOf(1, 2, 4, 5))).toBe(true);
    expect(jointQuorumActive(cfg, activeOf(1, 3, 4))).toBe(true);
    expect(jointQuorumActive(cfg, activeOf(1, 2, 3))).toBe(false);
    expect(jointQuorumActive({ incoming: set(1, 2, 3), outgoing: set() }, activeOf(1, 2))).toBe(true);
  });

  it('an all-empty config is trivially active (nothing to ask)', () => {
    expect(jointQuorumActive({ incoming: set(), outgoing: set() }, () => false)).toBe(true);
  });

  it('property: true iff a majority of each non-empty half is active, and only members are asked', () => {
    fc.assert(
      fc.property(jointArb, fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 9 }), (cfg, activeIds) => {
        const asked = new Set<NodeId>();
        const active = (id: NodeId): boolean => {
          asked.add(id);
          return activeIds.includes(id);
        };
        const half = (s: ReadonlySet<NodeId>): boolean => s.size === 0 || [...s].filter((v) => activeIds.includes(v)).length * 2 > s.size;
        expect(jointQuorumActive(cfg, active)).toBe(half(cfg.incoming) && half(cfg.outgoing));
        for (const id of asked) expect(cfg.incoming.has(id) || cfg.outgoing.has(id)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
