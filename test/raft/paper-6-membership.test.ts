/**
 * Raft paper §6, Cluster membership changes, by joint consensus (C_old,new decides with majorities
 * of both), plus learners (non-voting members, thesis §4.2.1) and the removed leader (§6, "the
 * leader steps down once C_new is committed").
 */
import { describe, expect, it } from 'vitest';
import { nodeId, type ConfChange } from '../../raft/index.js';
import { Network, appliedCommands, ids } from './harness.js';

const addVoter = (id: number): ConfChange => ({ kind: 'simple', changes: [{ op: 'addVoter', nodeId: nodeId(id) }] });

function withMembers(voters: number[], learners: number[] = []): Network {
  const net = new Network(ids(...voters), {}, ids(...learners));
  net.campaign(voters[0]!);
  return net;
}

describe('§6 membership changes', () => {
  it('adds a learner that receives the log but neither votes nor counts toward commit', () => {
    const net = withMembers([1, 2, 3]);
    net.addEmpty(nodeId(4));
    expect(net.raw(1).proposeConfChange({ kind: 'simple', changes: [{ op: 'addLearner', nodeId: nodeId(4) }] }).outcome).toBe('appended');
    net.settle();
    net.snapshotAtApplied(1); // node 4 was never in the log: it is initialized by a snapshot
    net.tickAll(2);
    expect(net.delivered.filter((m) => m.type === 'snap' && m.to === 4)).toHaveLength(1);
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 2, 3], learners: [4] });
    net.propose(1, 'x');
    expect(appliedCommands(net.get(4))).toEqual(['x']);
    // Commit needs 2 of the 3 voters; the learner's acknowledgement does not help.
    net.isolate(2);
    net.isolate(3);
    const commit = net.raw(1).status().commit;
    net.propose(1, 'y');
    expect(net.get(4).storage.lastIndex()).toBe(net.get(1).storage.lastIndex());
    expect(net.raw(1).status().commit).toBe(commit);
    // A learner never campaigns.
    for (let i = 0; i < 100; i++) net.raw(4).tick();
    expect(net.raw(4).status().role).toBe('follower');
  });

  it('promotes a caught-up learner to voter with a simple change', () => {
    const net = withMembers([1, 2, 3], [4]);
    net.tickAll(1);
    net.raw(1).proposeConfChange(addVoter(4));
    net.settle();
    expect(net.raw(1).status().confState.voters).toEqual([1, 2, 3, 4]);
    expect(net.raw(4).status().confState.voters).toEqual([1, 2, 3, 4]);
  });

  it('refuses a simple change of more than one voter: use joint consensus', () => {
    const net = withMembers([1, 2, 3], [4, 5]);
    const r = net.raw(1).proposeConfChange({
      kind: 'simple',
      changes: [
        { op: 'addVoter', nodeId: nodeId(4) },
        { op: 'addVoter', nodeId: nodeId(5) },
      ],
    });
    expect(r).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_INVALID' });
  });

  it('joint consensus: while in C_old,new, commit needs a majority of the old AND of the new voters', () => {
    // Replace {1,2,3} by {1,4,5}; 4 and 5 start as caught-up learners.
    const net = withMembers([1, 2, 3], [4, 5]);
    net.tickAll(1);
    const cc: ConfChange = {
      kind: 'enterJoint',
      autoLeave: false,
      changes: [
        { op: 'addVoter', nodeId: nodeId(4) },
        { op: 'addVoter', nodeId: nodeId(5) },
        { op: 'remove', nodeId: nodeId(2) },
        { op: 'remove', nodeId: nodeId(3) },
      ],
    };
    expect(net.raw(1).proposeConfChange(cc).outcome).toBe('appended');
    net.settle();
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 4, 5], votersOutgoing: [1, 2, 3] });
    // New voters unreachable: a majority of the old config alone ({1,2,3}) must not commit.
    net.isolate(4);
    net.isolate(5);
    let commit = net.raw(1).status().commit;
    net.propose(1, 'old-only');
    expect(net.raw(1).status().commit).toBe(commit);
    net.recover();
    net.tickAll(1);
    expect(appliedCommands(net.get(1))).toContain('old-only');
    // Old voters unreachable: a majority of the new config alone ({1,4,5}) must not commit either.
    net.isolate(2);
    net.isolate(3);
    commit = net.raw(1).status().commit;
    net.propose(1, 'new-only');
    expect(net.raw(1).status().commit).toBe(commit);
    net.recover();
    net.tickAll(1);
    // Leave the joint config: from then on {1,4,5} decides alone.
    expect(net.raw(1).proposeConfChange({ kind: 'leaveJoint' }).outcome).toBe('appended');
    net.settle();
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 4, 5], votersOutgoing: [] });
    net.isolate(2);
    net.isolate(3);
    commit = net.raw(1).status().commit;
    net.propose(1, 'new-config');
    expect(net.raw(1).status().commit).toBeGreaterThan(commit);
  });

  it('joint consensus: an election in C_old,new needs both majorities', () => {
    const net = withMembers([1, 2, 3], [4, 5]);
    net.tickAll(1);
    net.raw(1).proposeConfChange({
      kind: 'enterJoint',
      autoLeave: false,
      changes: [
        { op: 'addVoter', nodeId: nodeId(4) },
        { op: 'addVoter', nodeId: nodeId(5) },
        { op: 'remove', nodeId: nodeId(3) },
      ],
    });
    net.settle();
    net.tickAll(1);
    expect(net.raw(2).status().confState).toMatchObject({ voters: [1, 2, 4, 5], votersOutgoing: [1, 2, 3] });
    net.get(1).down = true;
    // Node 2 with only 3 (old majority {2,3}) cannot win: the new config {1,2,4,5} has no majority.
    net.isolate(4);
    net.isolate(5);
    net.campaign(2);
    expect(net.raw(2).status().role).toBe('candidate');
    net.recover();
    net.campaign(2);
    expect(net.raw(2).status().role).toBe('leader');
  });

  it('auto-leave: the leader leaves the joint config by itself once it is committed', () => {
    const net = withMembers([1, 2, 3], [4]);
    net.tickAll(1);
    net.raw(1).proposeConfChange({
      kind: 'enterJoint',
      autoLeave: true,
      changes: [
        { op: 'addVoter', nodeId: nodeId(4) },
        { op: 'remove', nodeId: nodeId(2) },
      ],
    });
    net.settle();
    for (const id of [1, 3, 4]) expect(net.raw(id).status().confState).toMatchObject({ voters: [1, 3, 4], votersOutgoing: [] });
  });

  it('one change at a time: a second change is refused until the first is applied', () => {
    const net = withMembers([1, 2, 3], [4, 5]);
    net.isolate(2);
    net.isolate(3);
    expect(net.raw(1).proposeConfChange(addVoter(4)).outcome).toBe('appended');
    expect(net.raw(1).proposeConfChange(addVoter(5))).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_PENDING' });
    net.recover();
    net.tickAll(1);
    expect(net.raw(1).proposeConfChange(addVoter(5)).outcome).toBe('appended');
  });

  it('a removed leader steps down once the change is applied, handing off to a caught-up voter at once', () => {
    const net = withMembers([1, 2, 3]);
    net.propose(1, 'x');
    net.raw(1).proposeConfChange({ kind: 'simple', changes: [{ op: 'remove', nodeId: nodeId(1) }] });
    net.settle();
    expect(net.raw(1).status().role).toBe('follower');
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    expect([2, 3]).toContain(leaders[0]);
    expect(net.delivered.some((m) => m.type === 'timeoutNow' && m.from === 1)).toBe(true);
    expect(net.propose(leaders[0]!, 'after').outcome).toBe('appended');
    expect(appliedCommands(net.get(2))).toEqual(['x', 'after']);
  });

  it('demoting a voter inside a joint config makes it a learner only when the config is left', () => {
    const net = withMembers([1, 2, 3, 4]);
    net.raw(1).proposeConfChange({ kind: 'enterJoint', autoLeave: false, changes: [{ op: 'addLearner', nodeId: nodeId(4) }] });
    net.settle();
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 2, 3], votersOutgoing: [1, 2, 3, 4], learners: [], learnersNext: [4] });
    net.raw(1).proposeConfChange({ kind: 'leaveJoint' });
    net.settle();
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 2, 3], votersOutgoing: [], learners: [4], learnersNext: [] });
  });

  it('a proposed demotion changes nothing until it is applied (validation is a dry run)', () => {
    const net = withMembers([1, 2, 3]);
    net.isolate(2);
    net.isolate(3);
    const r = net.raw(1).proposeConfChange({ kind: 'simple', changes: [{ op: 'addLearner', nodeId: nodeId(3) }] });
    expect(r.outcome).toBe('appended');
    // Not committed: node 3 is still a voter everywhere, including in the leader's tracker.
    expect(net.raw(1).status().progress?.get(nodeId(3))?.isLearner).toBe(false);
    expect(() => net.raw(1).raft.tracker.assertConsistent()).not.toThrow();
    net.recover();
    expect(net.raw(1).transferLeader(nodeId(3)).outcome).toBe('started');
  });
});
