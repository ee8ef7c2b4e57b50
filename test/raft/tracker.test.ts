import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../raft/assert.js';
import { restoreConfig } from '../../raft/changer.js';
import { Progress } from '../../raft/progress.js';
import { ProgressTracker, confStateOf, isJoint, type TrackerConfig } from '../../raft/tracker.js';
import { emptyConfState, nodeId, type ConfState, type NodeId } from '../../raft/types.js';

const n = nodeId;
const ids = (...xs: number[]): Set<NodeId> => new Set(xs.map(n));

function cs(voters: number[], opts: { out?: number[]; learners?: number[] } = {}): ConfState {
  return { ...emptyConfState, voters: voters.map(n), votersOutgoing: (opts.out ?? []).map(n), learners: (opts.learners ?? []).map(n) };
}

function tracker(c: ConfState, countLearnersInQuorum = false): ProgressTracker {
  const t = new ProgressTracker(4, 1024, countLearnersInQuorum);
  const r = restoreConfig(c, 10, 4, 1024);
  t.config = r.config;
  t.progress = r.progress;
  return t;
}

function setMatch(t: ProgressTracker, m: Record<number, number>): void {
  for (const [id, match] of Object.entries(m)) t.progress.get(n(Number(id)))!.match = match;
}

describe('ProgressTracker: quorum questions use voters only (§6: learners never count)', () => {
  it('committed() is the joint majority of match indexes; learners are ignored', () => {
    const t = tracker(cs([1, 2, 3], { learners: [4, 5] }));
    setMatch(t, { 1: 9, 2: 5, 3: 1, 4: 9, 5: 9 });
    expect(t.committed()).toBe(5);
    const j = tracker(cs([1, 2, 3], { out: [3, 4, 5] }));
    setMatch(j, { 1: 9, 2: 9, 3: 4, 4: 2, 5: 1 });
    expect(j.committed()).toBe(2);
  });

  it('the countLearnersInQuorum knob (for proving the simulator catches it) does count them', () => {
    const t = tracker(cs([1, 2, 3], { learners: [4, 5] }), true);
    setMatch(t, { 1: 9, 2: 5, 3: 1, 4: 9, 5: 9 });
    expect(t.committed()).toBe(9);
  });

  it('quorumMin applies the same arithmetic to any per-member value', () => {
    const t = tracker(cs([1, 2, 3]));
    for (const [id, tick] of [
      [1, 30],
      [2, 20],
      [3, 10],
    ] as const) {
      t.progress.get(n(id))!.lastHeardTick = tick;
    }
    expect(t.quorumMin((_, pr) => pr.lastHeardTick)).toBe(20);
  });

  it('votes: the first answer of a voter counts, non-voters are not tallied', () => {
    const t = tracker(cs([1, 2, 3], { learners: [4] }));
    t.recordVote(n(1), true);
    t.recordVote(n(2), false);
    t.recordVote(n(2), true); // a duplicate (reordered) answer does not flip the vote
    t.recordVote(n(4), true);
    expect(t.tallyVotes()).toEqual({ granted: 1, rejected: 1, result: 'pending' });
    t.recordVote(n(3), true);
    expect(t.tallyVotes()).toEqual({ granted: 2, rejected: 1, result: 'won' });
    t.resetVotes();
    expect(t.tallyVotes()).toEqual({ granted: 0, rejected: 0, result: 'pending' });
  });

  it('isSingleton, isVoter, voterIds, isJoint, confState', () => {
    expect(tracker(cs([1])).isSingleton()).toBe(true);
    expect(tracker(cs([1], { learners: [2] })).isSingleton()).toBe(true);
    expect(tracker(cs([1], { out: [1, 2] })).isSingleton()).toBe(false);
    const j = tracker(cs([1, 2], { out: [2, 3], learners: [4] }));
    expect(j.isVoter(n(3))).toBe(true);
    expect(j.isVoter(n(4))).toBe(false);
    expect([...j.voterIds()].sort()).toEqual([1, 2, 3]);
    expect(isJoint(j.config)).toBe(true);
    expect(j.confState()).toEqual(cs([1, 2], { out: [2, 3], learners: [4] }));
  });
});

describe('ProgressTracker.assertConsistent: every broken invariant is caught', () => {
  function withConfig(patch: Partial<TrackerConfig>, progress?: (t: ProgressTracker) => void): ProgressTracker {
    const t = tracker(cs([1, 2, 3], { learners: [4] }));
    t.config = { ...t.config, ...patch };
    progress?.(t);
    return t;
  }
  const pr = (isLearner: boolean): Progress => new Progress(11, 4, 1024, isLearner);

  it('a consistent tracker passes', () => {
    expect(() => tracker(cs([1, 2], { out: [2, 3], learners: [4] })).assertConsistent()).not.toThrow();
  });

  const cases: readonly [string, () => ProgressTracker, RegExp][] = [
    ['voter without progress', () => withConfig({}, (t) => t.progress.delete(n(2))), /voter 2 has no progress/],
    ['learner not flagged learner', () => withConfig({}, (t) => t.progress.set(n(4), pr(false))), /learner 4 not marked learner/],
    ['learner that is also a voter', () => withConfig({ voters: { incoming: ids(1, 2, 3, 4), outgoing: ids() } }), /learner 4 is also a voter/],
    ['next learner not an outgoing voter', () => withConfig({ voters: { incoming: ids(1, 2, 3), outgoing: ids(1, 2) }, learnersNext: ids(3) }), /next learner 3 is not an outgoing voter/],
    // (Shadowed by the learner-is-a-voter check: a next learner is an outgoing voter by the rule above.)
    ['next learner already a learner', () => withConfig({ voters: { incoming: ids(1, 2, 3), outgoing: ids(1, 4) }, learnersNext: ids(4) }, (t) => t.progress.set(n(4), pr(true))), /learner 4/],
    ['progress for a non-member', () => withConfig({}, (t) => t.progress.set(n(9), pr(false))), /progress for unknown member 9/],
    ['voter flagged learner', () => withConfig({}, (t) => (t.progress.get(n(1))!.isLearner = true)), /member 1 learner flag disagrees/],
    ['autoLeave outside a joint config', () => withConfig({ autoLeave: true }), /autoLeave outside a joint config/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const t = make();
      expect(() => t.assertConsistent()).toThrow(RaftInvariantError);
      expect(() => t.assertConsistent()).toThrow(message);
    });
  }

  // Regression: assertConsistent() did not check that a next learner is not also an incoming voter
  // (leaving such a joint config makes the node a learner and a voter at once).
  it('next learner that is also an incoming voter', () => {
    const t = tracker(cs([1, 2], { out: [1, 2] }));
    t.config = { ...t.config, learnersNext: ids(2) };
    expect(confStateOf(t.config).learnersNext).toEqual([2]);
    expect(() => t.assertConsistent()).toThrow(RaftInvariantError);
  });
});
