import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Changer, ConfChangeError, restoreConfig, type ChangeResult, type ConfChangeErrorCode } from '../../raft/changer.js';
import type { ConfChange, ConfChangeOp, ConfChangeSingle } from '../../raft/conf-change.js';
import type { Progress } from '../../raft/progress.js';
import { ProgressTracker, confStateOf, type ProgressMap, type TrackerConfig } from '../../raft/tracker.js';
import { nodeId, type ConfState, type NodeId } from '../../raft/types.js';

const lastIndex = 10;
const inflightCountMax = 4;
const inflightBytesMax = 1024;

function cs(voters: number[], opts: { out?: number[]; learners?: number[]; next?: number[]; autoLeave?: boolean } = {}): ConfState {
  return {
    voters: voters.map(nodeId),
    votersOutgoing: (opts.out ?? []).map(nodeId),
    learners: (opts.learners ?? []).map(nodeId),
    learnersNext: (opts.next ?? []).map(nodeId),
    autoLeave: opts.autoLeave ?? false,
  };
}

function restore(c: ConfState): ChangeResult {
  return restoreConfig(c, lastIndex, inflightCountMax, inflightBytesMax);
}

function changer(state: ChangeResult): Changer {
  return new Changer(state.config, state.progress, lastIndex, inflightCountMax, inflightBytesMax);
}

const add = (id: number): ConfChangeSingle => ({ op: 'addVoter', nodeId: nodeId(id) });
const learner = (id: number): ConfChangeSingle => ({ op: 'addLearner', nodeId: nodeId(id) });
const remove = (id: number): ConfChangeSingle => ({ op: 'remove', nodeId: nodeId(id) });
const simple = (...changes: ConfChangeSingle[]): ConfChange => ({ kind: 'simple', changes });
const enterJoint = (autoLeave: boolean, ...changes: ConfChangeSingle[]): ConfChange => ({ kind: 'enterJoint', autoLeave, changes });
const leaveJoint: ConfChange = { kind: 'leaveJoint' };

function apply(state: ChangeResult, cc: ConfChange): ChangeResult {
  return changer(state).apply(cc);
}

/** Installs a result into a tracker and runs its consistency check (what Raft.installConfig does). */
function assertConsistent(r: ChangeResult): void {
  const t = new ProgressTracker(inflightCountMax, inflightBytesMax, false);
  t.config = r.config;
  t.progress = r.progress;
  t.assertConsistent();
}

function expectCode(f: () => unknown, code: ConfChangeErrorCode): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfChangeError);
  expect((caught as ConfChangeError).code).toBe(code);
}

/**
 * A role change replaces the Progress by an exact copy (copy-on-write: the input tracker is never
 * mutated), so replication resumes where it was. This is what must carry over.
 */
function replication(pr: Progress | undefined): unknown {
  return pr === undefined ? undefined : { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count() };
}

/** A deep, comparable image of a config and its Progress objects (identity and every field that matters). */
function image(config: TrackerConfig, progress: ProgressMap): unknown {
  return {
    conf: confStateOf(config),
    progress: [...progress.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, pr]) => ({ id, isLearner: pr.isLearner, match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count() })),
  };
}

describe('restoreConfig', () => {
  it('builds progress for every member at lastIndex + 1, learners flagged', () => {
    const r = restore(cs([1, 2], { out: [2, 3], learners: [4], next: [3], autoLeave: true }));
    expect(confStateOf(r.config)).toEqual(cs([1, 2], { out: [2, 3], learners: [4], next: [3], autoLeave: true }));
    expect([...r.progress.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const [id, pr] of r.progress) {
      expect(pr.next).toBe(lastIndex + 1);
      expect(pr.match).toBe(0);
      expect(pr.isLearner).toBe(id === 4);
      expect(pr.inflights.countMax).toBe(inflightCountMax);
      expect(pr.inflights.bytesMax).toBe(inflightBytesMax);
    }
    assertConsistent(r);
  });

  it('an empty ConfState restores to an empty config (a replica that has not received its snapshot yet)', () => {
    const r = restore(cs([]));
    expect(r.progress.size).toBe(0);
    assertConsistent(r);
  });

  it('rejects a learner that is also an incoming or outgoing voter', () => {
    expectCode(() => restore(cs([1, 2], { learners: [2] })), 'BAD_CONF_STATE');
    expectCode(() => restore(cs([1], { out: [1, 2], learners: [2] })), 'BAD_CONF_STATE');
  });

  it('rejects a next learner that is not an outgoing voter', () => {
    expectCode(() => restore(cs([1, 2], { out: [1], next: [2] })), 'BAD_CONF_STATE');
    expectCode(() => restore(cs([1], { next: [2] })), 'BAD_CONF_STATE');
  });

  it('rejects autoLeave outside a joint config', () => {
    expectCode(() => restore(cs([1], { autoLeave: true })), 'BAD_CONF_STATE');
  });

  // Regression: restoreConfig used to accept a node that is both an incoming voter and a next
  // learner (voters [1,2], votersOutgoing [1,2], learnersNext [2]); leaving the joint config then
  // made node 2 learner and voter at once.
  it('rejects a next learner that is also an incoming voter', () => {
    expectCode(() => restore(cs([1, 2], { out: [1, 2], next: [2] })), 'BAD_CONF_STATE');
  });

  it('rejects a next learner that is also a learner', () => {
    expectCode(() => restore(cs([1], { out: [1, 2], next: [2], learners: [2] })), 'BAD_CONF_STATE');
  });
});

describe('Changer: simple changes', () => {
  it('adds one voter with fresh progress at lastIndex + 1; existing Progress objects are kept', () => {
    const before = restore(cs([1]));
    const pr1 = before.progress.get(nodeId(1));
    const r = apply(before, simple(add(2)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2]));
    expect(r.progress.get(nodeId(1))).toBe(pr1);
    const pr2 = r.progress.get(nodeId(2));
    expect(pr2?.next).toBe(lastIndex + 1);
    expect(pr2?.isLearner).toBe(false);
    assertConsistent(r);
  });

  it('re-adding an existing voter is a no-op (zero voter changes)', () => {
    const r = apply(restore(cs([1, 2])), simple(add(2), add(1)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2]));
  });

  it('refuses to change more than one voter: two additions, or a swap', () => {
    expectCode(() => apply(restore(cs([1])), simple(add(2), add(3))), 'TOO_MANY_VOTER_CHANGES');
    expectCode(() => apply(restore(cs([1, 2, 3])), simple(remove(3), add(4))), 'TOO_MANY_VOTER_CHANGES');
    expectCode(() => apply(restore(cs([1, 2, 3])), simple(remove(2), remove(3))), 'TOO_MANY_VOTER_CHANGES');
  });

  it('counts the net change: adding and removing the same voter in one change is allowed', () => {
    const r = apply(restore(cs([1, 2])), simple(add(3), remove(3), add(4)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2, 4]));
  });

  it('any number of learner changes may ride along with one voter change', () => {
    const r = apply(restore(cs([1, 2, 3], { learners: [7] })), simple(add(4), learner(5), learner(6), remove(7)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2, 3, 4], { learners: [5, 6] }));
    expect(r.progress.has(nodeId(7))).toBe(false);
    expect(r.progress.get(nodeId(5))?.isLearner).toBe(true);
    assertConsistent(r);
  });

  it('demotes a voter to learner in one step (one voter change), keeping its replication state', () => {
    const before = restore(cs([1, 2, 3]));
    const pr3 = before.progress.get(nodeId(3))!;
    pr3.maybeUpdate(7);
    pr3.becomeReplicate();
    pr3.sentEntries(2, 9, 100);
    const r = apply(before, simple(learner(3)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2], { learners: [3] }));
    expect(replication(r.progress.get(nodeId(3)))).toEqual(replication(pr3));
    expect(r.progress.get(nodeId(3))?.isLearner).toBe(true);
    expect(pr3.isLearner).toBe(false);
    assertConsistent(r);
  });

  it('promotes a learner to voter, keeping its replication state', () => {
    const before = restore(cs([1, 2], { learners: [3] }));
    const pr3 = before.progress.get(nodeId(3))!;
    pr3.maybeUpdate(5);
    const r = apply(before, simple(add(3)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2, 3]));
    expect(replication(r.progress.get(nodeId(3)))).toEqual(replication(pr3));
    expect(r.progress.get(nodeId(3))?.isLearner).toBe(false);
    expect(pr3.isLearner).toBe(true);
    assertConsistent(r);
  });

  it('adding an existing learner again keeps the same Progress', () => {
    const before = restore(cs([1], { learners: [2] }));
    const pr2 = before.progress.get(nodeId(2));
    const r = apply(before, simple(learner(2)));
    expect(r.progress.get(nodeId(2))).toBe(pr2);
  });

  it('removes a voter and its progress; removing an unknown node is harmless', () => {
    const r = apply(restore(cs([1, 2, 3])), simple(remove(3), remove(9)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2]));
    expect([...r.progress.keys()].sort()).toEqual([1, 2]);
    assertConsistent(r);
  });

  it('refuses to remove the last voter (NO_VOTERS), also by demoting it', () => {
    expectCode(() => apply(restore(cs([1])), simple(remove(1))), 'NO_VOTERS');
    expectCode(() => apply(restore(cs([1], { learners: [2] })), simple(learner(1))), 'NO_VOTERS');
  });

  it('refuses a simple change while joint (ALREADY_JOINT)', () => {
    expectCode(() => apply(restore(cs([1, 2], { out: [1] })), simple(learner(5))), 'ALREADY_JOINT');
  });
});

describe('Changer: joint consensus (§6)', () => {
  it('enterJoint: outgoing = old voters, incoming = new voters, autoLeave recorded', () => {
    const r = apply(restore(cs([1, 2, 3])), enterJoint(true, remove(3), add(4), add(5)));
    expect(confStateOf(r.config)).toEqual(cs([1, 2, 4, 5], { out: [1, 2, 3], autoLeave: true }));
    // The removed voter still counts in the outgoing half, so its progress stays.
    expect([...r.progress.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    assertConsistent(r);
  });

  it('enterJoint with no changes still enters a joint config (incoming = outgoing)', () => {
    const r = apply(restore(cs([1, 2])), enterJoint(false));
    expect(confStateOf(r.config)).toEqual(cs([1, 2], { out: [1, 2] }));
    assertConsistent(r);
  });

  it('leaveJoint drops outgoing-only voters and their progress, and clears autoLeave', () => {
    const joint = apply(restore(cs([1, 2, 3])), enterJoint(true, remove(3), add(4)));
    const r = apply(joint, leaveJoint);
    expect(confStateOf(r.config)).toEqual(cs([1, 2, 4]));
    expect([...r.progress.keys()].sort()).toEqual([1, 2, 4]);
    assertConsistent(r);
  });

  it('a voter demoted inside a joint config becomes a next learner, and a learner only when the joint config is left', () => {
    const before = restore(cs([1, 2, 3]));
    const pr3 = before.progress.get(nodeId(3));
    const joint = apply(before, enterJoint(false, learner(3), add(4)));
    expect(confStateOf(joint.config)).toEqual(cs([1, 2, 4], { out: [1, 2, 3], next: [3] }));
    // Still an outgoing voter: its vote counts, so it must not be flagged learner yet.
    expect(joint.progress.get(nodeId(3))).toBe(pr3);
    expect(pr3?.isLearner).toBe(false);
    assertConsistent(joint);
    const left = apply(joint, leaveJoint);
    expect(confStateOf(left.config)).toEqual(cs([1, 2, 4], { learners: [3] }));
    expect(replication(left.progress.get(nodeId(3)))).toEqual(replication(pr3));
    expect(left.progress.get(nodeId(3))?.isLearner).toBe(true);
    expect(pr3?.isLearner).toBe(false);
    assertConsistent(left);
  });

  it('a new node added as learner inside a joint change is a learner at once (it is not an outgoing voter)', () => {
    const joint = apply(restore(cs([1, 2, 3])), enterJoint(false, learner(6), add(4)));
    expect(confStateOf(joint.config)).toEqual(cs([1, 2, 3, 4], { out: [1, 2, 3], learners: [6] }));
    expect(joint.progress.get(nodeId(6))?.isLearner).toBe(true);
    assertConsistent(joint);
  });

  it('demote then re-promote in the same joint change: back to a plain voter, no next learner', () => {
    const joint = apply(restore(cs([1, 2, 3])), enterJoint(false, learner(3), add(3)));
    expect(confStateOf(joint.config)).toEqual(cs([1, 2, 3], { out: [1, 2, 3] }));
  });

  it('removing a demoted voter in the same joint change drops it from learnersNext; leaving removes it entirely', () => {
    const joint = apply(restore(cs([1, 2, 3])), enterJoint(false, learner(3), remove(3)));
    expect(confStateOf(joint.config)).toEqual(cs([1, 2], { out: [1, 2, 3] }));
    const left = apply(joint, leaveJoint);
    expect(confStateOf(left.config)).toEqual(cs([1, 2]));
    expect(left.progress.has(nodeId(3))).toBe(false);
  });

  it('a learner promoted in a joint change is an incoming voter, and removing a learner drops its progress', () => {
    const joint = apply(restore(cs([1, 2, 3], { learners: [4, 5] })), enterJoint(false, add(4), remove(5)));
    expect(confStateOf(joint.config)).toEqual(cs([1, 2, 3, 4], { out: [1, 2, 3] }));
    expect(joint.progress.has(nodeId(5))).toBe(false);
    expect(joint.progress.get(nodeId(4))?.isLearner).toBe(false);
  });

  it('replaces the whole voter set through a joint config', () => {
    const joint = apply(restore(cs([1, 2, 3])), enterJoint(true, remove(1), remove(2), remove(3), add(4), add(5), add(6)));
    expect(confStateOf(joint.config)).toEqual(cs([4, 5, 6], { out: [1, 2, 3], autoLeave: true }));
    const left = apply(joint, leaveJoint);
    expect(confStateOf(left.config)).toEqual(cs([4, 5, 6]));
    expect([...left.progress.keys()].sort()).toEqual([4, 5, 6]);
  });

  it('errors: ALREADY_JOINT, NOT_JOINT, NO_VOTERS (from an empty config, or removing every incoming voter)', () => {
    const joint = restore(cs([1, 2], { out: [1] }));
    expectCode(() => apply(joint, enterJoint(false, add(3))), 'ALREADY_JOINT');
    expectCode(() => apply(restore(cs([1, 2])), leaveJoint), 'NOT_JOINT');
    expectCode(() => apply(restore(cs([])), enterJoint(false, add(1))), 'NO_VOTERS');
    expectCode(() => apply(restore(cs([1, 2])), enterJoint(false, remove(1), remove(2))), 'NO_VOTERS');
    expectCode(() => apply(restore(cs([1, 2])), enterJoint(false, learner(1), learner(2))), 'NO_VOTERS');
  });
});

describe('Changer: a rejected change leaves its input untouched', () => {
  const cases: readonly { readonly name: string; readonly from: ConfState; readonly cc: ConfChange }[] = [
    { name: 'too many voter changes after demoting and adding', from: cs([1, 2, 3], { learners: [4] }), cc: simple(learner(1), add(4), add(5), remove(4)) },
    { name: 'NO_VOTERS after demotions', from: cs([1, 2], { learners: [3] }), cc: enterJoint(false, add(3), learner(1), learner(2), remove(3)) },
    { name: 'simple NO_VOTERS', from: cs([1], { learners: [2] }), cc: simple(add(2), remove(1), remove(2)) },
    { name: 'ALREADY_JOINT', from: cs([1, 2], { out: [1, 3], next: [3], learners: [4], autoLeave: true }), cc: enterJoint(false, remove(4)) },
    { name: 'NOT_JOINT', from: cs([1], { learners: [2] }), cc: leaveJoint },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = restore(c.from);
      // Make the Progress objects distinguishable from fresh ones.
      for (const pr of before.progress.values()) {
        pr.maybeUpdate(7);
        pr.becomeReplicate();
      }
      const progressRef = before.progress;
      const objects = new Map(before.progress);
      const imageBefore = image(before.config, before.progress);
      expect(() => apply(before, c.cc)).toThrow(ConfChangeError);
      expect(image(before.config, before.progress)).toEqual(imageBefore);
      expect(before.progress).toBe(progressRef);
      for (const [id, pr] of before.progress) expect(pr).toBe(objects.get(id));
    });
  }
});

describe('Changer: a successful change does not touch its input', () => {
  it('input config sets and progress map are not mutated', () => {
    const before = restore(cs([1, 2, 3], { learners: [4] }));
    const imageBefore = confStateOf(before.config);
    const keysBefore = [...before.progress.keys()];
    const r = apply(before, enterJoint(false, remove(1), learner(2), add(4), add(5)));
    expect(confStateOf(before.config)).toEqual(imageBefore);
    expect([...before.progress.keys()]).toEqual(keysBefore);
    expect(r.progress).not.toBe(before.progress);
  });

  // Regression: Changer.finish() used to rewrite `isLearner` on Progress objects shared with the live
  // tracker, and the leader runs the Changer as a dry run to validate every proposed change — so just
  // proposing a demotion (addLearner of a voter) corrupted the leader's tracker before anything
  // committed (promotable() false, transfers refused, assertConsistent failing).
  it('computing a demotion does not flip isLearner on the input Progress', () => {
    const before = restore(cs([1, 2, 3]));
    apply(before, simple(learner(3)));
    expect(before.progress.get(nodeId(3))?.isLearner).toBe(false);
  });

  it('a dry-run change leaves the input tracker consistent; the result carries its own copy', () => {
    const before = restore(cs([1, 2, 3]));
    const after = apply(before, simple(learner(3)));
    expect(() => assertConsistent(before)).not.toThrow();
    assertConsistent(after);
    expect(after.progress.get(nodeId(3))).not.toBe(before.progress.get(nodeId(3)));
    expect(after.progress.get(nodeId(3))?.isLearner).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random sequences of changes.
//
// Model: the membership a sequence of single changes asks for is a role map id → voter | learner,
// each op overwriting the last. After an accepted simple change, or after enterJoint + leaveJoint,
// the tracker's voters and learners must be exactly that map; inside the joint config the incoming
// voters are, and the demoted outgoing voters sit in learnersNext instead of learners.

type Role = 'voter' | 'learner';

function rolesOf(conf: ConfState): Map<NodeId, Role> {
  const m = new Map<NodeId, Role>();
  for (const id of conf.voters) m.set(id, 'voter');
  for (const id of conf.learners) m.set(id, 'learner');
  for (const id of conf.learnersNext) m.set(id, 'learner');
  return m;
}

function applyToModel(roles: ReadonlyMap<NodeId, Role>, changes: readonly ConfChangeSingle[]): Map<NodeId, Role> {
  const m = new Map(roles);
  for (const c of changes) {
    switch (c.op) {
      case 'addVoter':
        m.set(c.nodeId, 'voter');
        break;
      case 'addLearner':
        m.set(c.nodeId, 'learner');
        break;
      case 'remove':
        m.delete(c.nodeId);
        break;
    }
  }
  return m;
}

const sortedIds = (roles: ReadonlyMap<NodeId, Role>, role: Role): NodeId[] =>
  [...roles].filter(([, r]) => r === role).map(([id]) => id).sort((a, b) => a - b);

const singleArb: fc.Arbitrary<ConfChangeSingle> = fc.record({
  op: fc.constantFrom<ConfChangeOp>('addVoter', 'addLearner', 'remove'),
  nodeId: fc.integer({ min: 1, max: 7 }).map(nodeId),
});
const changeArb: fc.Arbitrary<ConfChange> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('simple' as const), changes: fc.array(singleArb, { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('enterJoint' as const), autoLeave: fc.boolean(), changes: fc.array(singleArb, { maxLength: 5 }) }) },
  { weight: 3, arbitrary: fc.constant(leaveJoint) },
);

function expectedError(state: ChangeResult, cc: ConfChange): ConfChangeErrorCode | undefined {
  const joint = state.config.voters.outgoing.size > 0;
  const conf = confStateOf(state.config);
  switch (cc.kind) {
    case 'leaveJoint':
      return joint ? undefined : 'NOT_JOINT';
    case 'enterJoint': {
      if (joint) return 'ALREADY_JOINT';
      if (conf.voters.length === 0) return 'NO_VOTERS';
      return sortedIds(applyToModel(rolesOf(conf), cc.changes), 'voter').length === 0 ? 'NO_VOTERS' : undefined;
    }
    case 'simple': {
      if (joint) return 'ALREADY_JOINT';
      const after = new Set(sortedIds(applyToModel(rolesOf(conf), cc.changes), 'voter'));
      if (after.size === 0) return 'NO_VOTERS';
      const before = new Set(conf.voters);
      const diff = [...after].filter((id) => !before.has(id)).length + [...before].filter((id) => !after.has(id)).length;
      return diff > 1 ? 'TOO_MANY_VOTER_CHANGES' : undefined;
    }
  }
}

describe('Changer: property over random change sequences', () => {
  it('accepts exactly the valid changes, matches the role-map model, stays consistent and round-trips through restoreConfig', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.array(changeArb, { maxLength: 25, size: 'max' }), (initial, ccs) => {
        let state = restore(cs(initial));
        // The role map the joint config is heading for (set on enterJoint, checked on leaveJoint).
        let target: Map<NodeId, Role> | undefined;
        for (const cc of ccs) {
          const want = expectedError(state, cc);
          const imageBefore = image(state.config, state.progress);
          let result: ChangeResult | undefined;
          let code: ConfChangeErrorCode | undefined;
          try {
            result = apply(state, cc);
          } catch (e) {
            if (!(e instanceof ConfChangeError)) throw e;
            code = e.code;
          }
          expect(code).toBe(want);
          if (result === undefined) {
            expect(image(state.config, state.progress)).toEqual(imageBefore);
            continue;
          }
          const before = confStateOf(state.config);
          const after = confStateOf(result.config);
          assertConsistent(result);
          switch (cc.kind) {
            case 'simple': {
              const roles = applyToModel(rolesOf(before), cc.changes);
              expect(after).toEqual({ ...cs([]), voters: sortedIds(roles, 'voter'), learners: sortedIds(roles, 'learner') });
              break;
            }
            case 'enterJoint': {
              target = applyToModel(rolesOf(before), cc.changes);
              expect(after.voters).toEqual(sortedIds(target, 'voter'));
              expect(after.votersOutgoing).toEqual(before.voters);
              expect([...after.learners, ...after.learnersNext].sort((a, b) => a - b)).toEqual(sortedIds(target, 'learner'));
              // Next learners are exactly the demoted outgoing voters.
              for (const id of after.learnersNext) expect(before.voters).toContain(id);
              for (const id of after.learners) expect(after.votersOutgoing).not.toContain(id);
              expect(after.autoLeave).toBe(cc.autoLeave);
              break;
            }
            case 'leaveJoint': {
              expect(target).toBeDefined();
              if (target !== undefined) {
                expect(after).toEqual({ ...cs([]), voters: sortedIds(target, 'voter'), learners: sortedIds(target, 'learner') });
              }
              target = undefined;
              break;
            }
          }
          // Progress exists exactly for members; members that stayed keep their replication state (the
          // same object, or an exact copy when their learner flag changed).
          const members = new Set([...after.voters, ...after.votersOutgoing, ...after.learners]);
          expect(new Set(result.progress.keys())).toEqual(members);
          // (A member removed and re-added within one change starts over with a fresh Progress.)
          const removed = new Set(cc.kind === 'leaveJoint' ? [] : cc.changes.filter((c) => c.op === 'remove').map((c) => c.nodeId));
          for (const [id, pr] of result.progress) {
            const old: Progress | undefined = state.progress.get(id);
            if (old !== undefined && !removed.has(id)) {
              if (pr.isLearner === old.isLearner) expect(pr).toBe(old);
              else expect(replication(pr)).toEqual(replication(old));
            }
            if (old === undefined) expect(pr.next).toBe(lastIndex + 1);
          }
          // ConfState round-trip: what is persisted restores to the same membership.
          const restored = restore(after);
          expect(confStateOf(restored.config)).toEqual(after);
          assertConsistent(restored);
          state = result;
        }
      }),
      { numRuns: 300 },
    );
  });
});
