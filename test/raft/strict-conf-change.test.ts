/**
 * strictConfChange: a leader refuses a membership change after which the new configuration could
 * not commit with the members caught up now. The node enables it because its new replicas cannot
 * vote before their first snapshot (long-run seed 200628: two voters added while their snapshots
 * could not arrive left 2 of 4 voters uninitialized, and no leader could ever be elected).
 */
import { describe, expect, it } from 'vitest';
import { nodeId, type ConfChange, type ConfChangeSingle } from '../../raft/index.js';
import { Network, ids, type NodeOptions } from './harness.js';

const simple = (...changes: ConfChangeSingle[]): ConfChange => ({ kind: 'simple', changes });
const addVoter = (id: number): ConfChange => simple({ op: 'addVoter', nodeId: nodeId(id) });
const addLearner = (id: number): ConfChange => simple({ op: 'addLearner', nodeId: nodeId(id) });
const remove = (id: number): ConfChange => simple({ op: 'remove', nodeId: nodeId(id) });
const electionTimeoutTicks = 10;
const strict: NodeOptions = { strictConfChange: true, electionTimeoutTicks };

/** A leader (1) of voters 1, 2, 3 that heard from everyone, then lost contact with `down` for an election timeout. */
function leaderWithOneDown(down: number | undefined, opts: NodeOptions = strict): Network {
  const net = new Network(ids(1, 2, 3), opts);
  net.campaign(1);
  net.propose(1, 'x');
  if (down !== undefined) net.isolate(down);
  net.tickAll(electionTimeoutTicks + 1);
  expect(net.raw(1).status().role).toBe('leader');
  return net;
}

describe('strictConfChange', () => {
  it('off (the default), a voter that cannot have caught up is added anyway', () => {
    const net = leaderWithOneDown(3, { electionTimeoutTicks });
    expect(net.raw(1).proposeConfChange(addVoter(4)).outcome).toBe('appended');
  });

  it('refuses a voter added while another is down: 2 of 4 voters could not form a quorum', () => {
    const net = leaderWithOneDown(3);
    const r = net.raw(1).proposeConfChange(addVoter(4));
    expect(r).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_UNSAFE' });
    expect(r.outcome === 'rejected' ? r.detail : '').toContain('2 of voters [1,2,3,4] caught up (1,2), 3 needed');
    expect(net.raw(1).status().confState.voters).toEqual([1, 2, 3]);
  });

  it('refuses removing a healthy voter while another is down', () => {
    const net = leaderWithOneDown(3);
    expect(net.raw(1).proposeConfChange(remove(2))).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_UNSAFE' });
  });

  it('refuses a second voter added before the first caught up (seed 200628)', () => {
    const net = leaderWithOneDown(undefined);
    // 4 and 5 do not exist: they can never catch up, like stores whose snapshots cannot arrive.
    const move: ConfChange = { kind: 'enterJoint', autoLeave: true, changes: [{ op: 'addVoter', nodeId: nodeId(4) }, { op: 'remove', nodeId: nodeId(3) }] };
    expect(net.raw(1).proposeConfChange(move).outcome).toBe('appended');
    net.tickAll(3);
    expect(net.raw(1).status().confState).toMatchObject({ voters: [1, 2, 4], votersOutgoing: [] });
    expect(net.raw(1).proposeConfChange(addVoter(5))).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_UNSAFE' });
  });

  it('allows replacing the down voter (the new majorities {1,2,4} and {1,2,3} both hold caught-up 1 and 2)', () => {
    const net = leaderWithOneDown(3);
    const move: ConfChange = { kind: 'enterJoint', autoLeave: false, changes: [{ op: 'addVoter', nodeId: nodeId(4) }, { op: 'remove', nodeId: nodeId(3) }] };
    expect(net.raw(1).proposeConfChange(move).outcome).toBe('appended');
  });

  it('allows promoting a learner that caught up while a voter is down', () => {
    const net = leaderWithOneDown(undefined);
    net.addEmpty(nodeId(4), strict);
    expect(net.raw(1).proposeConfChange(addLearner(4)).outcome).toBe('appended');
    net.settle();
    net.snapshotAtApplied(1);
    net.tickAll(3);
    expect(net.raw(1).status().progress?.get(nodeId(4))?.match).toBeGreaterThan(0);
    net.isolate(3);
    net.tickAll(electionTimeoutTicks + 1);
    expect(net.raw(1).proposeConfChange(addVoter(4)).outcome).toBe('appended');
  });

  it('never refuses leaving a joint configuration, even when the incoming voters lag', () => {
    const net = leaderWithOneDown(undefined);
    const move: ConfChange = { kind: 'enterJoint', autoLeave: false, changes: [{ op: 'addVoter', nodeId: nodeId(4) }, { op: 'remove', nodeId: nodeId(3) }] };
    expect(net.raw(1).proposeConfChange(move).outcome).toBe('appended');
    net.tickAll(3);
    net.isolate(2);
    net.tickAll(2);
    expect(net.raw(1).proposeConfChange({ kind: 'leaveJoint' }).outcome).toBe('appended');
  });

  it('a leader that has not heard from a member yet says "too soon", then "unsafe" once an election timeout passed', () => {
    const net = new Network(ids(1, 2, 3), strict);
    net.isolate(3);
    net.campaign(1);
    expect(net.raw(1).status().role).toBe('leader');
    expect(net.raw(1).proposeConfChange(addVoter(4))).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_TOO_SOON' });
    net.tickAll(electionTimeoutTicks + 1);
    expect(net.raw(1).proposeConfChange(addVoter(4))).toMatchObject({ outcome: 'rejected', reason: 'CONF_CHANGE_UNSAFE' });
    net.recover();
    net.tickAll(2);
    expect(net.raw(1).proposeConfChange(addVoter(4)).outcome).toBe('appended');
  });
});
