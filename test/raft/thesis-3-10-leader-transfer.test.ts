/** Thesis §3.10, Leadership transfer: catch the transferee up, then TimeoutNow; refuse proposals meanwhile. */
import { describe, expect, it } from 'vitest';
import { nodeId } from '../../raft/index.js';
import { Network, appliedCommands, ids } from './harness.js';

describe('§3.10 leadership transfer', () => {
  it('hands leadership to an up-to-date follower at once', () => {
    const net = new Network(ids(1, 2, 3), { checkQuorum: true, preVote: true });
    net.campaign(1);
    expect(net.raw(1).transferLeader(nodeId(2)).outcome).toBe('started');
    net.settle();
    expect(net.leaders()).toEqual([2]);
    expect(net.delivered.some((m) => m.type === 'timeoutNow' && m.to === 2)).toBe(true);
  });

  it('catches a lagging transferee up first, then transfers', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.propose(1, 'b');
    net.recover();
    net.raw(1).transferLeader(nodeId(3));
    net.settle();
    expect(net.leaders()).toEqual([3]);
    expect(appliedCommands(net.get(3))).toEqual(['a', 'b']);
  });

  it('refuses proposals while a transfer is in progress, with a typed reason', () => {
    const net = new Network(ids(1, 2, 3));
    net.campaign(1);
    net.filter((m) => m.type === 'timeoutNow');
    net.raw(1).transferLeader(nodeId(2));
    const r = net.raw(1).propose(new TextEncoder().encode('x'));
    expect(r).toMatchObject({ outcome: 'rejected', reason: 'TRANSFER_IN_PROGRESS' });
  });

  it('abandons a transfer that does not finish within an election timeout', () => {
    const net = new Network(ids(1, 2, 3), { electionTimeoutTicks: 10 });
    net.campaign(1);
    net.filter((m) => m.type === 'timeoutNow');
    net.raw(1).transferLeader(nodeId(2));
    net.tickAll(10);
    expect(net.raw(1).status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
    expect(net.propose(1, 'x').outcome).toBe('appended');
  });

  it('a follower forwards a transfer request to the leader; learners cannot be transferees', () => {
    const net = new Network(ids(1, 2, 3), {}, ids(4));
    net.campaign(1);
    expect(net.raw(3).transferLeader(nodeId(2)).outcome).toBe('forwarded');
    net.settle();
    expect(net.leaders()).toEqual([2]);
    expect(net.raw(2).transferLeader(nodeId(4))).toMatchObject({ outcome: 'rejected', reason: 'NOT_A_VOTER' });
  });
});
